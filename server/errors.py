"""One project exception, and every error answered as JSON under /api/."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .db import fault

log = logging.getLogger(__name__)


class CairnError(Exception):
    """A request Cairn refuses, with the status and the plain message the client sees."""

    status = 400

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        # For 429: whole seconds until a try is allowed again, when the limit knows it.
        self.retry_after = retry_after
        if status is not None:
            self.status = status


class BadInput(CairnError):
    """The request body or parameters are not what the endpoint takes."""

    status = 400


def _json_error(message: str, status: int) -> Response:
    response = jsonify(error=message)
    response.status_code = status
    return response


def _wants_json() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    """Register the handlers that turn every error into a JSON answer (or a bare page)."""

    @app.errorhandler(CairnError)
    def cairn_error(exc: CairnError) -> Response:
        response = _json_error(exc.message, exc.status)
        if exc.retry_after is not None and exc.status != 429:
            response.headers["Retry-After"] = str(exc.retry_after)
        if exc.status == 429:
            # Every limit counts over one minute: by then the oldest request has left it.
            response.headers["Retry-After"] = str(exc.retry_after or 60)
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Response:
        return _json_error(
            "The security token is missing or out of date. Reload the page and try again.", 400
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        if _wants_json():
            response = _json_error(_PLAIN.get(status, exc.description or exc.name), status)
        else:
            # Outside the API, a stranger who guesses an address learns nothing.
            response = Response(f"{status} {exc.name}\n", status, mimetype="text/plain")
        if status == 405 and exc.get_response().headers.get("Allow"):
            response.headers["Allow"] = exc.get_response().headers["Allow"]
        return response

    @app.errorhandler(RecursionError)
    def too_deep(exc: RecursionError) -> Response:
        # JSON nested thousands deep (the parser gives up): bad input, not a server fault.
        if _wants_json():
            return _json_error(_PLAIN[400], 400)
        return Response("400 Bad Request\n", 400, mimetype="text/plain")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        storage = fault(exc)
        if storage:
            return _storage_fault(*storage, exc)
        # Log the type only: a message could carry something a request contained.
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, request.url_rule)
        if _wants_json():
            return _json_error("Something went wrong on the server. Nothing was changed.", 500)
        return Response("500 Internal Server Error\n", 500, mimetype="text/plain")


def _storage_fault(status: int, words: str, exc: Exception) -> Response:
    """The database is down (503, try again in a few seconds) or full (507)."""
    what = f"{type(exc).__name__} {getattr(exc, 'sqlstate', None) or '-'}"
    log.warning("storage %s (%s) on %s %s", status, what, request.method, request.url_rule)
    if _wants_json():
        response = _json_error(words, status)
    else:
        name = "Service Unavailable" if status == 503 else "Insufficient Storage"
        response = Response(f"{status} {name}\n", status, mimetype="text/plain")
    if status == 503:
        response.headers["Retry-After"] = "5"
    return response


_PLAIN = {
    400: "The request was not understood.",
    404: "There is nothing at this address.",
    405: "This address does not take that method.",
    413: "The request is too large.",
    415: "Send the body as JSON (Content-Type: application/json).",
    429: "Too many requests. Wait a moment and try again.",
}
