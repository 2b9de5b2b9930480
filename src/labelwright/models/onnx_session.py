"""Opening a user's `.onnx` file with ONNX Runtime, with errors that name the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from labelwright.models.protocol import ModelError


def checked_path(value: Any, setting: str) -> Path:
    """The existing file a path setting names, or ModelError saying what is wrong."""
    if not isinstance(value, str | Path) or not str(value).strip():
        raise ModelError(f"setting {setting!r} must be the path of an .onnx file, got {value!r}")
    path = Path(value).expanduser()
    if not path.exists():
        raise ModelError(f"{setting} {str(path)!r} does not exist")
    if not path.is_file():
        raise ModelError(f"{setting} {str(path)!r} is not a file")
    return path


def open_session(path: Path, *, threads: int | None = None) -> Any:
    """An ONNX Runtime CPU session over `path`; ModelError when it is not a loadable model."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3  # errors only: warnings about unused inputs are noise here
    if threads:
        options.intra_op_num_threads = threads
    try:
        return ort.InferenceSession(
            str(path), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as error:  # ONNX Runtime raises its own untyped errors for bad files
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        raise ModelError(f"{path} is not a model ONNX Runtime can load: {first_line}") from error


def run_session(session: Any, feeds: dict[str, Any], where: str) -> list[Any]:
    """Run the session; an error inside the graph becomes a ModelError naming `where`."""
    try:
        return session.run(None, feeds)
    except Exception as error:
        raise ModelError(f"{where} failed to run: {error}") from error
