"""Where each millisecond of a list or count request goes: ``python -m bench.breakdown``.

Runs requests in this process through Django's test client (WSGI-style) and
``AsyncClient`` (the ASGI handler with its thread hop), under ``cProfile`` with
CPU time, and splits the per-request CPU into the steps of the request. Needs
the list database of a bench run (``python -m bench --only list --keep``) and
``BENCH_DB`` naming it. Prints one JSON document.
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import os
import pstats
import random
import sys
import time
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.ours.settings")
django.setup()

from django.test import AsyncClient, Client  # noqa: E402

from bench.shared import login_sessions  # noqa: E402

# step -> (module path fragment, function name): cumulative CPU of that call.
STEPS = {
    "session middleware (load the session)": ("sessions/middleware.py", "process_request"),
    "authentication (token or session user)": ("rest_framework/views.py", "perform_authentication"),
    "permissions + throttles": ("rest_framework/views.py", "check_permissions"),
    "content negotiation": ("rest_framework/views.py", "perform_content_negotiation"),
    "query parameters (list_query)": ("notifications/api/filters.py", "list_query"),
    "count query": ("rest_framework/pagination.py", "get_count"),
    "page query (SQL, rows)": ("rest_framework/pagination.py", "paginate_queryset"),
    "rendering the rows (payloads)": ("notifications/api/rows.py", "render"),
    "the counts query (both badges)": ("notifications/badges.py", "badge_counts"),
    "serialisation (serializers, ORM path only)": ("rest_framework/serializers.py", "data"),
    "JSON rendering": ("rest_framework/response.py", "rendered_content"),
}


def _cumulative(stats: pstats.Stats, where: str, name: str) -> float:
    total = 0.0
    for (filename, _, function), row in stats.stats.items():  # type: ignore[attr-defined]
        if function == name and filename.endswith(where):
            total = max(total, row[3])
    return total


def _requests(path: str, auth: list[dict[str, Any]], asgi: bool) -> Any:
    if asgi:
        client: Any = AsyncClient()

        async def run_async(n: int) -> None:
            for kwargs in auth[:n]:
                client.cookies["sessionid"] = kwargs.get("session", "")
                response = await client.get(path, headers=kwargs.get("headers"))
                assert response.status_code == 200, response.content

        return lambda n: asyncio.run(run_async(n))
    sync = Client()

    def run(n: int) -> None:
        for kwargs in auth[:n]:
            sync.cookies["sessionid"] = kwargs.get("session", "")
            response = sync.get(path, headers=kwargs.get("headers"))
            assert response.status_code == 200, response.content

    return run


def measure(path: str, auth: list[dict[str, Any]], n: int) -> dict[str, Any]:
    """CPU ms per request (WSGI-style and ASGI) and its split by step (WSGI-style)."""
    found: dict[str, Any] = {"path": path}
    for asgi in (False, True):
        run = _requests(path, auth, asgi)
        run(20)
        started = time.process_time()
        run(n)
        found["asgi_ms" if asgi else "wsgi_ms"] = (time.process_time() - started) * 1000 / n
    run = _requests(path, auth, False)
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    run(n)
    profile.disable()
    stats = pstats.Stats(profile)
    profiled = sum(row[2] for row in stats.stats.values())  # type: ignore[attr-defined]
    scale = found["wsgi_ms"] / (profiled * 1000 / n)  # undo the profiler's own overhead
    steps = {
        step: _cumulative(stats, where, name) * 1000 / n * scale
        for step, (where, name) in STEPS.items()
    }
    page = steps["page query (SQL, rows)"]
    if page:  # the paginator runs the count and, on the plain-rows path, the rendering
        steps["page query (SQL, rows)"] = (
            page - steps["count query"] - steps["rendering the rows (payloads)"]
        )
    steps = {step: ms for step, ms in steps.items() if ms > 0.005}
    steps["Django + DRF dispatch, middleware, the rest"] = found["wsgi_ms"] - sum(steps.values())
    steps["ASGI handler + thread hop"] = found["asgi_ms"] - found["wsgi_ms"]
    found["steps_ms"] = steps
    return found


def main() -> None:
    """Profile the list and the count with token and session auth."""
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    rng = random.Random(3)
    tokens = [
        {"headers": {"Authorization": f"Token {rng.randint(1, 10_000):040d}"}} for _ in range(n)
    ]
    sessions = [{"session": key} for key in login_sessions(n)]
    results = {}
    for path in ("/notifications/?readed=false", "/notifications/unread-count"):
        for auth_name, auth in (("token", tokens), ("session", sessions)):
            results[f"{path} {auth_name}"] = measure(path, auth, n)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
