"""How the package's views take request bodies: never ignored, never read beyond the limit.

Plain DRF reads no body without a ``Content-Length`` (``Transfer-Encoding:
chunked``), so ``{"readed": null}`` sent chunked would mark a notification
read. And a JSON parser gets ``request.body`` read whole first: every byte up
to Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``, beyond it Django's 400 page and an
error log. :class:`BoundedBodyMixin` closes the first and refuses a declared
length above the limit up front; the reading itself is
:class:`notifications.api.parsers.BoundedJSONParser`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from rest_framework.request import Request
from rest_framework.views import APIView

from notifications.api.parsers import body_limit, declared_length, is_chunked, too_large


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

    Overrides ``initialize_request`` (a :class:`BodyRequest`) and ``initial``
    (:meth:`check_body` before authentication). A form body never reaches
    Django's own parsing (and its 2.5 MB / 1,000-field errors): DRF's CSRF
    check reads ``request.POST`` through the view's parsers, which refuse it (415).
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
        """A declared ``Content-Length`` above ``MAX_BODY_BYTES``: 413, before anything reads.

        Before authentication, so the answer is the same 413 whatever the body's
        media type and whoever sends it (the CSRF check would parse a POST body).
        """
        length = declared_length(request.META)
        if length is not None and length > body_limit():
            raise too_large()
