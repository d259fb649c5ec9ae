"""The metrics endpoint after real traffic, and the per-worker health endpoint.

Real sockets on the real ASGI stack, sends through the bus of the leg; the endpoint is
scraped with Django's async test client in the same event loop (the same worker).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import AsyncClient
from prometheus_client.parser import text_string_to_metric_families

from notifications import metrics
from notifications.realtime.bus import get_bus
from tests.servers import free_port
from tests.ws.conftest import Opener
from tests.ws.support import receive_frame, send

pytestmark = pytest.mark.django_db(transaction=True)


async def scrape() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await AsyncClient().get("/ops/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_the_counters_move_with_real_traffic(open_socket: Opener, ann: Any) -> None:
    before = await scrape()
    socket = await open_socket(ann)

    await send([ann], title="one")
    await send([ann], title="two")
    assert [(await receive_frame(socket))["notification"]["event"]["title"] for _ in "12"] == [
        "one",
        "two",
    ]
    after = await scrape()

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    bus = type(get_bus()).__name__
    assert moved("notifications_open_sockets") == 1
    assert moved("notifications_frames_sent_total") == 2
    assert moved("notifications_bus_messages_published_total", bus=bus) == 2
    assert moved("notifications_bus_publish_seconds_count", bus=bus) == 2
    assert moved("notifications_bus_messages_received_total", kind="Frames") == 2
    assert moved("notifications_fanout_rows_total", path="inline") == 2
    assert moved("notifications_fanout_seconds_count", path="inline") == 2


async def test_health_says_bus_and_database_are_fine_once_the_worker_listens(
    open_socket: Opener, ann: Any
) -> None:
    idle = await AsyncClient().get("/ops/health")
    assert (idle.status_code, idle.json()) == (
        200,
        {"status": "ok", "bus": "idle", "database": "ok"},
    )
    await open_socket(ann)

    response = await AsyncClient().get("/ops/health")

    assert (response.status_code, response.json()) == (
        200,
        {"status": "ok", "bus": "connected", "database": "ok"},
    )


async def test_without_prometheus_client_the_endpoint_says_which_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(metrics, "prometheus_client", None)

    response = await AsyncClient().get("/ops/metrics")

    assert response.status_code == 404
    assert "django-rest-notifications[metrics]" in response.json()["detail"]


async def test_health_answers_503_while_the_worker_s_bus_is_lost(
    open_socket: Opener, ann: Any, settings: Any
) -> None:
    settings.NOTIFICATIONS = {
        **getattr(settings, "NOTIFICATIONS", {}),
        "BUS": "redis",
        "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        "BUS_CONNECT_TIMEOUT": 0.5,
    }
    socket = await open_socket(ann)  # accepted, then closed with 1013: the bus is down
    assert (await socket.receive_output(timeout=5))["code"] == 1013

    response = await AsyncClient().get("/ops/health")

    assert (response.status_code, response.json()) == (
        503,
        {"status": "unavailable", "bus": "lost", "database": "ok"},
    )
