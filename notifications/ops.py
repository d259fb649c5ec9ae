"""Endpoints for operators, to mount in the project's URLconf (not in ``notifications.urls``).

``metrics_view``: Prometheus text format (needs the ``metrics`` extra), every worker's
figures summed in multiprocess mode. ``health_view``: this worker's own state for a
load balancer, 200 ``{"status": "ok", ...}`` or 503 with what is wrong. Neither needs
a login nor shows any user's data; serve them on an internal address or restrict them
at the proxy (docs/production.md).
"""

from __future__ import annotations

import asyncio

from asgiref.sync import sync_to_async
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse

from notifications import metrics


async def metrics_view(request: HttpRequest) -> HttpResponse:
    """The package's metrics (404 with a JSON body naming the extra when it is missing)."""
    try:
        body, content_type = metrics.exposition()
    except ImportError as error:
        return JsonResponse({"detail": str(error)}, status=404)
    return HttpResponse(body, content_type=content_type)


async def health_view(request: HttpRequest) -> JsonResponse:
    """This worker: is its bus listener connected, does its database answer?

    ``bus`` is ``"connected"``, ``"lost"`` (503: new sockets are refused with 1013) or
    ``"idle"`` (no socket opened on this worker yet, so no listener runs: it starts
    with the first one). ``database`` is ``"ok"`` or ``"unreachable"`` (503).
    """
    from notifications.realtime.hub import running_hubs

    loop = asyncio.get_running_loop()
    hubs = [hub for hub in running_hubs() if hub.loop is loop]
    bus = "idle" if not hubs else ("connected" if hubs[0].ready.is_set() else "lost")
    database = "ok" if await sync_to_async(_database_answers)() else "unreachable"
    healthy = bus != "lost" and database == "ok"
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "bus": bus, "database": database},
        status=200 if healthy else 503,
    )


def _database_answers() -> bool:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False
