"""The one error media code raises for a file or URL it will not accept."""

from __future__ import annotations


class RejectedFile(Exception):
    """A file or URL refused during intake, with a stable reason code and a human detail.

    Reasons: probe: empty, not_an_image, unsupported_format, too_many_pixels, bad_dimensions,
    corrupt, truncated, unreadable. sources: missing, unsafe_path, archive_too_large, corrupt,
    encrypted, bad_url, unsupported_scheme. remote: blocked_address, unsupported_scheme, bad_url,
    unreachable, timeout, too_large, http_error, too_many_redirects.
    """

    def __init__(self, name: str, reason: str, detail: str) -> None:
        super().__init__(f"{name}: {detail}")
        self.name = name
        self.reason = reason
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.name}: {self.detail}"

    def __repr__(self) -> str:
        return f"RejectedFile(name={self.name!r}, reason={self.reason!r}, detail={self.detail!r})"

    def __reduce__(self):  # type: ignore[override]
        # Keep it picklable across ProcessPoolExecutor boundaries (the default
        # reduce would call __init__ with only the formatted message).
        return (type(self), (self.name, self.reason, self.detail))
