"""One JSON error shape for every failure, documented in the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from labelwright.services.errors import ServiceError


class ErrorBody(BaseModel):
    """What went wrong: a stable code, a sentence for people, and details."""

    code: str
    message: str
    details: dict[str, Any] = {}


class ErrorResponse(BaseModel):
    """Every non-2xx response has this body."""

    error: ErrorBody


def _error(status: int, code: str, message: str, details: dict | None = None) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    return JSONResponse(body, status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    """Map service errors, validation errors and HTTP errors to ErrorResponse."""

    @app.exception_handler(ServiceError)
    async def service_error(_req: Request, exc: ServiceError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message, exc.details)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_req: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")}
            for e in exc.errors()
        ]
        summary = "; ".join(f"{p['where']}: {p['problem']}" for p in problems[:5])
        return _error(422, "invalid", summary or "invalid request", {"problems": problems})

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def out_of_range(_req: Request, exc: Exception) -> JSONResponse:
        # An id or count past what the database stores (SQLite's 64-bit integers, say):
        # nothing was written, the transaction rolled back.
        return _error(422, "invalid", "a number in the request is out of range")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return _error(exc.status_code, code, str(exc.detail))


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": text}
    for status, text in {
        401: "Not signed in, or the token is invalid",
        403: "Signed in, but the role does not allow this (or the CSRF token is missing)",
        404: "Not found, or in a project you are not a member of",
        409: "Conflicts with the current state",
        413: "Over a size limit",
        422: "The request's content is invalid",
    }.items()
}
