"""Quiet hours: the user's window (REST, validated); channels wait until it ends, urgent
types do not, the inbox never waits."""

from __future__ import annotations

import datetime
import time
import zoneinfo
from typing import Any

import pytest
from django.core.management import call_command

from notifications.helpers import send_notification
from notifications.models import Delivery, Notification
from notifications.outbound import locmem
from notifications.outbound.quiet_hours import set_quiet_hours, window_end
from tests.conftest import client_for

pytestmark = pytest.mark.usefixtures("escalation_settings")

URL = "/api/notifications/quiet-hours"
PARIS = "Europe/Paris"


def sweep() -> None:
    call_command("run_channels", stdout=open("/dev/null", "w"))  # noqa: SIM115


def local_now(zone: str = PARIS) -> datetime.datetime:
    return datetime.datetime.now(zoneinfo.ZoneInfo(zone))


def quiet_for(user: Any, seconds: float, zone: str = PARIS) -> datetime.datetime:
    """Quiet hours from an hour ago until ``seconds`` from now (local time); returns the end."""
    now = local_now(zone)
    end = (now + datetime.timedelta(seconds=seconds)).replace(microsecond=0)
    start = now - datetime.timedelta(hours=1)
    set_quiet_hours(
        user, {"enabled": True, "time_zone": zone, "start": start.time(), "end": end.time()}
    )
    return end


def test_the_default_is_off(make_user: Any, settings: Any) -> None:
    ann = make_user("ann")
    response = client_for(ann).get(URL)
    assert response.status_code == 200
    assert response.json() == {
        "enabled": False,
        "time_zone": settings.TIME_ZONE,
        "start": "22:00",
        "end": "07:00",
    }


def test_patch_sets_them_and_get_answers_them(make_user: Any) -> None:
    ann = make_user("ann")
    body = {"enabled": True, "time_zone": "America/New_York", "start": "23:30", "end": "06:15"}

    response = client_for(ann).patch(URL, body, format="json")

    assert response.status_code == 200
    assert response.json() == body
    assert client_for(ann).get(URL).json() == body
    assert client_for(make_user("bob")).get(URL).json()["enabled"] is False  # not another's


def test_patch_is_partial(make_user: Any) -> None:
    ann = make_user("ann")
    client_for(ann).patch(URL, {"time_zone": PARIS, "enabled": True}, format="json")
    response = client_for(ann).patch(URL, {"start": "21:00"}, format="json")
    assert response.json() == {
        "enabled": True,
        "time_zone": PARIS,
        "start": "21:00",
        "end": "07:00",
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"time_zone": "../../etc/passwd"}, "time_zone"),
        ({"time_zone": 7}, "time_zone"),
        ({"start": "25:00"}, "start"),
        ({"end": "7am"}, "end"),
        ({"enabled": "sometimes"}, "enabled"),
        ({"enabled": 0}, "enabled"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(
    make_user: Any, body: dict[str, Any], field: str
) -> None:
    ann = make_user("ann")
    response = client_for(ann).patch(URL, body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert client_for(ann).get(URL).json()["enabled"] is False


def test_an_empty_patch_changes_nothing(make_user: Any) -> None:
    ann = make_user("ann")
    before = client_for(ann).get(URL).json()
    response = client_for(ann).patch(URL, {}, format="json")
    assert (response.status_code, response.json()) == (200, before)


def test_an_unknown_time_zone_is_named_in_the_message(make_user: Any) -> None:
    response = client_for(make_user("ann")).patch(
        URL, {"time_zone": "Mars/Olympus_Mons"}, format="json"
    )
    assert "Mars/Olympus_Mons" in response.json()["time_zone"][0]


def test_anonymous_gets_no_quiet_hours(client: Any) -> None:
    assert client.get(URL).status_code in (401, 403)


def test_a_delivery_inside_the_window_waits_until_it_ends(make_user: Any, committed: Any) -> None:
    ann = make_user("ann")
    end = quiet_for(ann, 1.5)
    with committed():
        send_notification(type="chat", title="Shh", users=[ann])

    assert locmem.outbox == []
    assert Notification.objects.filter(user=ann).count() == 1  # the inbox does not wait
    held = Delivery.objects.get(channel="locmem")
    assert (held.status, held.reason) == ("scheduled", "quiet hours")
    assert held.next_attempt_at == end
    sweep()
    assert locmem.outbox == []

    time.sleep(max((end - local_now()).total_seconds(), 0) + 0.2)
    sweep()

    assert [m.title for m in locmem.outbox] == ["Shh"]
    assert Delivery.objects.get(channel="locmem").status == "sent"


def test_an_urgent_type_ignores_quiet_hours(make_user: Any, committed: Any) -> None:
    ann = make_user("ann")
    quiet_for(ann, 3600)
    with committed():
        send_notification(type="page", title="Wake up", users=[ann])
    assert [m.title for m in locmem.outbox] == ["Wake up"]


def test_disabled_quiet_hours_hold_nothing(make_user: Any, committed: Any) -> None:
    ann = make_user("ann")
    quiet_for(ann, 3600)
    assert client_for(ann).patch(URL, {"enabled": False}, format="json").status_code == 200
    with committed():
        send_notification(type="chat", title="Loud", users=[ann])
    assert [m.title for m in locmem.outbox] == ["Loud"]


def test_only_the_quiet_user_waits(make_user: Any, committed: Any) -> None:
    ann, bob = make_user("ann"), make_user("bob")
    quiet_for(ann, 3600)
    with committed():
        send_notification(type="chat", title="Both", users=[ann, bob])
    assert [m.user_id for m in locmem.outbox] == [bob.pk]


def test_a_held_delivery_read_meanwhile_is_cancelled(make_user: Any, committed: Any) -> None:
    ann = make_user("ann")
    quiet_for(ann, 3600)
    with committed():
        send_notification(type="chat", title="Later", users=[ann])
    assert client_for(ann).post("/api/notifications/read-all").status_code == 200
    held = Delivery.objects.get(channel="locmem")
    assert (held.status, held.reason) == ("cancelled", "read")


UTC = datetime.UTC


@pytest.mark.parametrize(
    ("now", "start", "end", "until"),
    [
        # Paris is UTC+1 in December: 23:30 local is inside 22:00-07:00, ends 07:00 next day.
        ("2026-12-06T22:30", "22:00", "07:00", "2026-12-07T06:00"),
        # 03:00 local, after midnight: ends the same day.
        ("2026-12-07T02:00", "22:00", "07:00", "2026-12-07T06:00"),
        # 12:00 local: outside.
        ("2026-12-07T11:00", "22:00", "07:00", None),
        # A window inside one day.
        ("2026-12-07T12:30", "13:00", "15:00", "2026-12-07T14:00"),
        ("2026-12-07T14:30", "13:00", "15:00", None),
        # Start == end: no window.
        ("2026-12-07T12:30", "13:00", "13:00", None),
        # Summer time (UTC+2): 23:00 local is 21:00 UTC.
        ("2026-07-01T21:00", "22:00", "07:00", "2026-07-02T05:00"),
    ],
)
def test_window_end_in_the_users_zone(now: str, start: str, end: str, until: str | None) -> None:
    moment = datetime.datetime.fromisoformat(now).replace(tzinfo=UTC)
    found = window_end(
        moment, PARIS, datetime.time.fromisoformat(start), datetime.time.fromisoformat(end)
    )
    expected = None if until is None else datetime.datetime.fromisoformat(until).replace(tzinfo=UTC)
    assert found == expected


def test_a_digest_waits_for_the_end_of_quiet_hours(
    make_user: Any, settings: Any, committed: Any
) -> None:
    from django.core import mail

    from notifications.event_types import sync_event_types
    from notifications.models import Event

    settings.EVENTS = [
        *settings.EVENTS,
        {
            "name": "weekly",
            "title": "Weekly",
            "channels": {"email": {"digest": {"after_minutes": 0, "every_hours": 1}}},
        },
    ]
    sync_event_types()
    ann = make_user("ann")
    if not ann.email:
        ann.email = "ann@example.com"
        ann.save()
    end = quiet_for(ann, 1.5)
    send_notification(type="weekly", title="News", users=[ann])
    Event.objects.update(timestamp=timezone_now() - datetime.timedelta(minutes=1))

    sweep()
    assert mail.outbox == []

    time.sleep(max((end - local_now()).total_seconds(), 0) + 0.2)
    sweep()
    assert [m.to for m in mail.outbox] == [[ann.email]]


def timezone_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def test_quiet_hours_are_in_the_users_data_export_and_erased_with_it(make_user: Any) -> None:
    from notifications.personal_data import erase_user_data, export_user_data

    ann = make_user("ann")
    client_for(ann).patch(URL, {"enabled": True, "time_zone": PARIS}, format="json")

    assert export_user_data(ann)["quiet_hours"] == [
        {"enabled": True, "time_zone": PARIS, "start": "22:00", "end": "07:00"}
    ]
    assert erase_user_data(ann).quiet_hours == 1
    assert export_user_data(ann)["quiet_hours"] == []
