"""Errors a use case raises; the API maps each to one HTTP status and shape."""


class ServiceError(Exception):
    """Base of every expected failure; `code` is stable, the message is for people."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class Invalid(ServiceError):
    """The request is well-formed but its content is wrong."""

    status = 422
    code = "invalid"


class NotFound(ServiceError):
    """The thing does not exist, or the caller may not know that it does."""

    status = 404
    code = "not_found"


class Forbidden(ServiceError):
    """The caller is known but their role does not allow this."""

    status = 403
    code = "forbidden"


class Unauthorized(ServiceError):
    """No valid credentials came with the request."""

    status = 401
    code = "unauthorized"


class Conflict(ServiceError):
    """The change clashes with the current state (a name taken, a stale revision)."""

    status = 409
    code = "conflict"


class TooLarge(ServiceError):
    """The request body passes a configured size limit."""

    status = 413
    code = "too_large"


class PreconditionFailed(ServiceError):
    """The client edited a revision that is no longer current; details hold the current one."""

    status = 412
    code = "stale_revision"


class PreconditionRequired(ServiceError):
    """A save must say which revision it edited (If-Match), so no save is silently lost."""

    status = 428
    code = "if_match_required"
