"""A dead or broken bus never costs a write: rows are kept, the failure logged once."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from notifications.models import Notification
from tests.servers import free_port
from tests.ws.support import in_thread, send

pytestmark = pytest.mark.django_db(transaction=True)

BUSES = {
    "dead-redis": lambda: {"BUS": "redis", "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"},
    "bus-down": lambda: {"BUS": "tests.ws.support.FailingBus"},
    "bus-bug": lambda: {"BUS": "tests.ws.support.CrashingBus"},
}


@pytest.fixture(params=list(BUSES))
def broken_bus(request: pytest.FixtureRequest, settings: Any) -> str:
    """Each test runs against every kind of broken bus."""
    settings.NOTIFICATIONS = BUSES[request.param]()
    name: str = request.param
    return name


def errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.ERROR]


async def test_send_notification_keeps_the_rows_and_logs_once(
    broken_bus: str, caplog: pytest.LogCaptureFixture, ann: Any, bob: Any, make_user: Any
) -> None:
    carol = await in_thread(make_user)("carol")
    event = await send([ann, bob, carol], title="Still saved")

    assert event.notifications_count == 3
    assert await in_thread(Notification.objects.filter(event_id=event.pk).count)() == 3
    assert len(errors(caplog)) == 1, [r.getMessage() for r in errors(caplog)]
    if broken_bus != "bus-bug":
        assert errors(caplog)[0].name == "notifications"


def test_sync_caller_keeps_the_rows_and_logs_once(
    broken_bus: str, caplog: pytest.LogCaptureFixture, ann: Any, bob: Any
) -> None:
    from notifications.helpers import send_notification

    event = send_notification(type="post_like", title="From WSGI", users=[ann, bob])
    assert Notification.objects.filter(event_id=event.pk).count() == 2
    assert len(errors(caplog)) == 1


def test_an_outage_is_logged_once_however_many_sends(
    broken_bus: str, settings: Any, caplog: pytest.LogCaptureFixture, make_user: Any
) -> None:
    from notifications.helpers import send_notification

    users = [make_user(f"user{i}") for i in range(3)]
    for user in users:
        send_notification(type="post_like", title="One each", users=[user])
    assert Notification.objects.count() == 3
    expected = 3 if broken_bus == "bus-bug" else 1  # a bug is not an outage: each is logged
    assert len(errors(caplog)) == expected


def test_rest_views_work_with_a_broken_bus(
    broken_bus: str, caplog: pytest.LogCaptureFixture, ann: Any, ann_client: Any
) -> None:
    from notifications.helpers import send_notification

    for title in ("a", "b", "c", "d"):
        send_notification(type="post_like", title=title, users=[ann])
    ids = [row["id"] for row in ann_client.get("/notifications").json()["results"]]

    calls = [
        lambda: ann_client.patch(f"/notifications{ids[0]}"),
        lambda: ann_client.patch("/notifications", [ids[1], ids[2]], format="json"),
        lambda: ann_client.patch(f"/notifications{ids[0]}", {"readed": None}, format="json"),
        lambda: ann_client.delete(f"/notifications{ids[3]}"),
        lambda: ann_client.post("/api/notifications/read-all"),
    ]
    for call in calls:
        response = call()
        assert response.status_code in (200, 204), response.content

    rows = Notification.objects.filter(user_id=ann.pk)
    assert rows.count() == 3
    assert not rows.filter(readed__isnull=True).exists()
    assert len(errors(caplog)) == (5 + 4 if broken_bus == "bus-bug" else 1)
