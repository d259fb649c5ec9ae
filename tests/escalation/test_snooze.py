"""Snooze over REST: validated, hidden from list, counts and reads meanwhile, back unread
and unseen on top when its time comes, never another user's."""

from __future__ import annotations

import datetime
import time
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from notifications.helpers import send_notification
from notifications.models import Delivery, Notification
from tests.conftest import client_for

pytestmark = pytest.mark.usefixtures("escalation_settings")

API = "/api/notifications/"


def sweep() -> None:
    call_command("run_channels", stdout=open("/dev/null", "w"))  # noqa: SIM115


def soon(seconds: float = 0.5) -> str:
    return (timezone.now() + datetime.timedelta(seconds=seconds)).isoformat()


def titles(client: Any) -> list[str]:
    return [row["event"]["title"] for row in client.get(API).json()["results"]]


@pytest.fixture
def two(make_user: Any) -> tuple[Any, Any, int]:
    ann = make_user("ann")
    send_notification(type="post_like", title="older", users=[ann])
    send_notification(type="post_like", title="snooze me", users=[ann])
    newest = Notification.objects.filter(user=ann).order_by("-pk").values_list("pk", flat=True)[0]
    return ann, client_for(ann), newest


def test_a_snoozed_notification_leaves_the_list_and_the_counts(two: Any) -> None:
    _, client, newest = two
    until = (timezone.now() + datetime.timedelta(hours=2)).replace(microsecond=0)

    response = client.post(f"{API}{newest}/snooze", {"until": until.isoformat()}, format="json")

    assert response.status_code == 200
    assert response.json()["id"] == newest
    assert titles(client) == ["older"]
    assert client.get(API).json()["count"] == 1
    assert client.get(API + "unread-count").json() == {"unread": 1, "unseen": 1}
    assert client.get(f"{API}{newest}").status_code == 404  # hidden until it returns
    assert client.get(API, {"archived": "all"}).json()["count"] == 1


def test_it_comes_back_unread_unseen_and_on_top_when_its_time_comes(two: Any) -> None:
    _, client, newest = two
    client.patch(API, [newest], format="json")  # read it first
    client.post(API + "seen-all")
    assert client.post(f"{API}{newest}/snooze", {"until": soon()}, format="json").status_code == 200

    time.sleep(0.7)
    sweep()

    page = client.get(API).json()["results"]
    assert [row["event"]["title"] for row in page] == ["snooze me", "older"]
    assert (page[0]["readed"], page[0]["seen"]) == (None, None)
    # "older" was seen and stays seen; the one that came back is unseen again.
    assert client.get(API + "unread-count").json() == {"unread": 2, "unseen": 1}


def test_nothing_comes_back_before_its_time(two: Any) -> None:
    _, client, newest = two
    client.post(f"{API}{newest}/snooze", {"until": soon(3600)}, format="json")
    sweep()
    assert titles(client) == ["older"]


@pytest.mark.parametrize(
    "body",
    [
        {"until": "2000-01-01T00:00:00Z"},
        {"until": "yesterday"},
        {"until": "0001-01-01T00:00:00+14:00"},
        {"until": None},
        {},
    ],
)
def test_a_bad_time_is_a_400_naming_until_and_snoozes_nothing(two: Any, body: Any) -> None:
    _, client, newest = two
    response = client.post(f"{API}{newest}/snooze", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["until"]
    assert titles(client) == ["snooze me", "older"]


def test_a_past_time_says_so(two: Any) -> None:
    _, client, newest = two
    response = client.post(
        f"{API}{newest}/snooze", {"until": "2000-01-01T00:00:00Z"}, format="json"
    )
    assert response.json() == {"until": ["Must be a time in the future."]}


def test_another_users_notification_is_a_404_and_stays(two: Any, make_user: Any) -> None:
    _, client, newest = two
    bob = client_for(make_user("bob"))
    response = bob.post(f"{API}{newest}/snooze", {"until": soon(3600)}, format="json")
    assert response.status_code == 404
    assert titles(client) == ["snooze me", "older"]


def test_snoozing_cancels_pending_steps(make_user: Any, committed: Any) -> None:
    from django.contrib.auth import get_user_model

    ann = make_user("ann")
    if get_user_model().USERNAME_FIELD != "email":
        ann.email = "ann@example.com"
        ann.save()
    with committed():
        send_notification(type="alert", title="Later", users=[ann])
    (row,) = Notification.objects.filter(user=ann)

    client_for(ann).post(f"{API}{row.pk}/snooze", {"until": soon(3600)}, format="json")

    step = Delivery.objects.get(notification=row)
    assert (step.status, step.reason) == ("cancelled", "snoozed")
