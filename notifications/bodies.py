"""How the package's views take request bodies: never ignored, never read beyond the limit.

Plain DRF reads no body without a ``Content-Length`` (``Transfer-Encoding:
chunked``), so ``{"readed": null}`` sent chunked would mark a notification
read; and a body above Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` that
something reads as a form (the CSRF check of a POST) becomes Django's 400
page with an error log. :class:`BoundedBodyMixin` closes both for a view;
the reading itself is :class:`notifications.parsers.BoundedJSONParser`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest
from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from notifications.parsers import body_limit, declared_length, is_chunked, too_large


class BodyRequest(Request):
    """A DRF request that hands a chunked body to the parser instead of reading it as empty."""

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.http_request = request

    @property
    def stream(self) -> Any:
        """The body's stream; for a chunked body the request itself (read in bounded steps)."""
        if is_chunked(self.META):
            return self.http_request
        return super().stream


class BoundedBodyMixin(APIView):
    """Mix into an ``APIView`` whose parser is ``BoundedJSONParser``.

    Overrides ``initialize_request`` (a :class:`BodyRequest`), ``initial``
    (:meth:`check_body` before authentication) and ``handle_exception``
    (Django's own body errors become JSON 413/400 answers, without an error log).
    """

    def initialize_request(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Request:
        return BodyRequest(
            request,
            parsers=self.get_parsers(),
            authenticators=self.get_authenticators(),
            negotiator=self.get_content_negotiator(),
            parser_context=self.get_parser_context(request),
        )

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        self.check_body(request)
        super().initial(request, *args, **kwargs)

    def check_body(self, request: Request) -> None:
        """Refuse, before anything reads it, a body that could only be read unbounded.

        A declared ``Content-Length`` above ``MAX_BODY_BYTES``: 413. A chunked
        body no parser of the view takes: 415 (the CSRF check of a POST would
        read a form body whole).
        """
        length = declared_length(request.META)
        if length is not None and length > body_limit():
            raise too_large()
        if is_chunked(request.META):
            parser = self.get_content_negotiator().select_parser(request, self.get_parsers())
            if parser is None:
                raise UnsupportedMediaType(request.content_type)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, RequestDataTooBig):
            exc = too_large()
        elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
            exc = ParseError(str(exc))
        return super().handle_exception(exc)
