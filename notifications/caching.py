"""HTTP caching of the unread count: an ETag, ``If-None-Match`` and ``304 Not Modified``."""

from __future__ import annotations

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import quote_etag
from rest_framework.request import Request
from rest_framework.response import Response


def conditional_count(request: Request | HttpRequest, unread: int) -> HttpResponseBase:
    """``{"unread": n}``, or ``304 Not Modified`` when ``If-None-Match`` names its ETag.

    The body depends on the count alone, so the count is the ETag (``"unread-<n>"``).
    ``Cache-Control: private, no-cache``: a browser may keep the answer but asks
    again every time, so a polling client costs one index-only count and no body.
    """
    response = Response({"unread": unread})
    response["ETag"] = quote_etag(f"unread-{unread}")
    patch_cache_control(response, private=True, no_cache=True)
    # DRF's Request proxies META and method, all that this reads.
    conditional = get_conditional_response(
        request,
        etag=response["ETag"],
        response=response,
    )
    return conditional or response
