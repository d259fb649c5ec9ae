"""A JSON parser that bounds what it reads and never lets a malformed body become a 500."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django.http import UnreadablePostError
from django.utils.translation import gettext_lazy as _
from rest_framework import renderers, status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser

from notifications.conf import notifications_settings

READ_STEP = 64 * 1024


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("Request body too large.")
    default_code = "request_too_large"


class LengthRequired(APIException):
    status_code = status.HTTP_411_LENGTH_REQUIRED
    default_detail = _(
        "The chunked request body did not reach the application (WSGI servers drop it, "
        "or it was empty): send the body with a Content-Length header."
    )
    default_code = "length_required"


def body_limit() -> int:
    """``NOTIFICATIONS["MAX_BODY_BYTES"]``."""
    return int(notifications_settings.MAX_BODY_BYTES)


def too_large() -> RequestTooLarge:
    return RequestTooLarge(f"Request body larger than {body_limit()} bytes.")


def declared_length(meta: Mapping[str, Any]) -> int | None:
    """The request's ``Content-Length``, or None when it has none (or not a number)."""
    value = str(meta.get("CONTENT_LENGTH") or "")
    return int(value) if value.isdigit() else None


def is_chunked(meta: Mapping[str, Any]) -> bool:
    """A body of unknown length: ``Transfer-Encoding`` and no ``Content-Length``."""
    return bool(meta.get("HTTP_TRANSFER_ENCODING")) and declared_length(meta) is None


def read_at_most(stream: Any, size: int) -> bytes:
    """Up to ``size`` bytes of ``stream``, read in steps of at most :data:`READ_STEP`."""
    chunks: list[bytes] = []
    remaining = size
    while remaining > 0:
        chunk = stream.read(min(remaining, READ_STEP))
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


class BoundedJSONParser(BaseParser):
    """Reads at most ``MAX_BODY_BYTES`` + 1 bytes; deep nesting and bad JSON are a 400.

    Not a ``JSONParser`` subclass on purpose: DRF reads ``request.body`` whole
    (up to Django's 2.5 MB ``DATA_UPLOAD_MAX_MEMORY_SIZE``, a 400 page and an
    error log beyond) before calling one. This parser reads the stream itself,
    so nothing beyond the limit is ever read. A declared ``Content-Length``
    above the limit is refused without reading; a chunked body is read like any
    other (:class:`notifications.api.bodies.BodyRequest` hands it over), and one
    that arrives empty is a 411.
    """

    media_type = "application/json"
    renderer_class = renderers.JSONRenderer

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = body_limit()
        request = (parser_context or {}).get("request")
        meta = request.META if request is not None else {}
        declared = declared_length(meta)
        if declared is not None and declared > limit:
            raise too_large()
        try:
            raw = read_at_most(stream, limit + 1)
        except UnreadablePostError as error:  # the client went away mid-body
            raise ParseError(_("The request body could not be read.")) from error
        if len(raw) > limit:
            raise too_large()
        if not raw and is_chunked(meta):
            raise LengthRequired()
        encoding = (parser_context or {}).get("encoding") or "utf-8"
        try:
            return json.loads(raw.decode(encoding), parse_constant=_reject_constant)
        except RecursionError as error:
            raise ParseError("JSON parse error - nested too deeply.") from error
        except (LookupError, UnicodeDecodeError, ValueError) as error:
            raise ParseError(f"JSON parse error - {error}") from error
