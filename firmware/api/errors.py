"""Errors as JSON a person can act on: {"error": "...", "fields": [...]}.

A refused value names the field, the value and what is accepted; nothing is written
(the admin operations validate before they write, in one transaction).
"""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from firmware.admin.cdr import CdrQueryError
from firmware.admin.errors import INPUT_ERRORS, NotFound
from firmware.brain.control import ControlError
from firmware.calls.music import MusicError
from firmware.pins.guard import PinError
from firmware.prompts.library import PromptError


class ErrorBody(BaseModel):
    error: str
    fields: list[dict[str, str]] = []


def _field(error: Any) -> dict[str, str]:
    location = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path"))
    value = error.get("input")
    problem = str(error.get("msg", "not accepted"))
    if error.get("type") == "extra_forbidden":
        problem = "is not a known field"
    if error.get("type") == "missing":
        return {"field": location, "problem": "is required"}
    return {"field": location, "value": repr(value)[:80], "problem": problem}


def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = [_field(e) for e in exc.errors()]
    said = "; ".join(f"{f['field'] or 'body'}" + (f" = {f['value']}" if "value" in f else "") + f": {f['problem']}"
                     for f in fields)
    return JSONResponse({"error": f"request not accepted: {said}", "fields": fields}, status_code=422)


def _json(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "fields": []}, status_code=status, headers=headers)


# The brain's refusals of a call command (firmware/brain/control.py) by kind; the rest mean
# the PBX could not be asked.
_CONTROL_STATUS = {"not_found": 404, "busy": 409, "barred": 403, "invalid": 422, "limited": 429}


def _control_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ControlError)
    status = _CONTROL_STATUS.get(exc.kind)
    if status is None:
        return _json(503, f"the PBX did not answer: {exc}")
    return _json(status, str(exc))


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    for error in (*INPUT_ERRORS, CdrQueryError, PinError, PromptError, MusicError):
        app.add_exception_handler(error, lambda request, exc: _json(422, str(exc)))
    app.add_exception_handler(NotFound, lambda request, exc: _json(404, str(exc).strip("'\"")))
    app.add_exception_handler(ControlError, _control_error)

    def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        return _json(exc.status_code, str(exc.detail), dict(exc.headers or {}))

    app.add_exception_handler(HTTPException, http_error)
