"""Running a .tflite model that ships inside the mediapipe 0.10.21 wheel, on LiteRT.

The mediapipe package is only a carrier of weight files here: it is never imported, so its
pins (numpy<2, protobuf<5) do not matter at run time.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from labelwright.models.builtin.common import shipped_file
from labelwright.models.protocol import ModelError, ModelSpec

MEDIAPIPE_MODELS = {
    "face_detection_full": "modules/face_detection/face_detection_full_range_sparse.tflite",
    "face_detection_short": "modules/face_detection/face_detection_short_range.tflite",
    "pose_detection": "modules/pose_detection/pose_detection.tflite",
    "pose_landmark_full": "modules/pose_landmark/pose_landmark_full.tflite",
    "selfie_segmentation": "modules/selfie_segmentation/selfie_segmentation.tflite",
    "selfie_segmentation_landscape": (
        "modules/selfie_segmentation/selfie_segmentation_landscape.tflite"
    ),
}
"""Where each model sits inside the mediapipe package."""


class TfliteModel:
    """One LiteRT interpreter over a shipped model file; outputs are read by name."""

    def __init__(self, spec: ModelSpec, model: str, threads: int | None = None) -> None:
        from ai_edge_litert.interpreter import Interpreter

        path = shipped_file(spec, "mediapipe", MEDIAPIPE_MODELS[model])
        try:
            self._interpreter = Interpreter(model_path=str(path), num_threads=threads)
            self._interpreter.allocate_tensors()
        except (RuntimeError, ValueError) as error:
            raise ModelError(f"model {spec.name!r}: cannot load {path}: {error}") from None
        self._input = self._interpreter.get_input_details()[0]
        self._outputs = {d["name"]: d["index"] for d in self._interpreter.get_output_details()}
        self.input_shape = tuple(int(n) for n in self._input["shape"])

    def run(self, tensor: np.ndarray) -> dict[str, Any]:
        """Outputs (copies) by name for one input batch of the model's input shape."""
        self._interpreter.set_tensor(self._input["index"], tensor.astype(np.float32))
        self._interpreter.invoke()
        return {name: self._interpreter.get_tensor(i).copy() for name, i in self._outputs.items()}
