"""HTTP caching of the unread count: an ETag, ``If-None-Match`` and ``304 Not Modified``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import quote_etag
from rest_framework.request import Request
from rest_framework.response import Response


def conditional_count(
    request: Request | HttpRequest, counts: Mapping[str, Any]
) -> HttpResponseBase:
    """``{"unread": n, "unseen": m}``, or ``304 Not Modified`` when ``If-None-Match`` names
    its ETag.

    The body depends on the counts alone, so they are the ETag (``"unread-<n>-unseen-<m>"``).
    ``Cache-Control: private, no-cache``: a browser may keep the answer but asks
    again every time, so a polling client costs one index-only count and no body.
    """
    etag = quote_etag("-".join(f"{name}-{value}" for name, value in counts.items()))
    # DRF's Request proxies META and method, all that this reads. The 304 is
    # decided before any body is built, so it costs less than the 200.
    response: HttpResponseBase | None = get_conditional_response(request, etag=etag)
    if response is None:
        response = Response(dict(counts))
    response["ETag"] = etag
    patch_cache_control(response, private=True, no_cache=True)
    return response
