"""Expiry: ``send_notification(expires=...)`` hides them everywhere at once; prune removes them."""

from __future__ import annotations

import datetime
import time
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from notifications import services
from notifications.exceptions import InvalidNotification
from notifications.models import Event, Notification
from tests.support import ISO_UTC, ids_of

BASE = "/api/notifications/"


def titles(response) -> list[str]:
    return [item["event"]["title"] for item in response.json()["results"]]


def test_the_json_shows_the_expiry(urls, ann, ann_client, send):
    moment = timezone.now() + datetime.timedelta(days=2)
    send([ann], expires=moment)
    send([ann], title="forever")

    forever, expiring = ann_client.get(urls.list).json()["results"]

    assert forever["event"]["expires"] is None
    assert ISO_UTC.match(expiring["event"]["expires"])
    assert datetime.datetime.fromisoformat(expiring["event"]["expires"]) == moment


def test_a_timedelta_counts_from_the_send(ann, send):
    before = timezone.now()
    event = send([ann], expires=datetime.timedelta(hours=1))
    after = timezone.now()

    assert before + datetime.timedelta(hours=1) <= event.expires
    assert event.expires <= after + datetime.timedelta(hours=1)
    assert Notification.objects.get(user=ann).expires == event.expires


def test_expired_ones_vanish_at_once_from_lists_counts_catch_up_and_detail(
    urls, ann, ann_client, send
):
    send([ann], title="stays")
    baseline = ids_of(ann)[0]
    send([ann], title="brief", expires=datetime.timedelta(milliseconds=400))
    (brief, _) = ids_of(ann)
    assert titles(ann_client.get(urls.list)) == ["brief", "stays"]
    assert ann_client.get(BASE + "unread-count").json() == {"unread": 2, "unseen": 2}

    time.sleep(0.5)

    assert titles(ann_client.get(urls.list)) == ["stays"]
    assert ann_client.get(urls.list).json()["count"] == 1
    assert ann_client.get(BASE + "unread-count").json() == {"unread": 1, "unseen": 1}
    assert ann_client.get(urls.list, {"after_id": baseline}).json()["results"] == []
    assert ann_client.get(urls.list, {"archived": "all"}).json()["count"] == 1
    assert ann_client.get(urls.detail(brief)).status_code == 404
    assert ann_client.patch(urls.list, [brief], format="json").json() == []
    assert Notification.objects.get(pk=brief).readed is None  # still there, only hidden


def test_an_expiry_in_the_past_writes_no_notification_and_pushes_nothing(
    urls, ann, ann_client, send, outbox
):
    event = send([ann], expires=timezone.now() - datetime.timedelta(seconds=1))

    assert Event.objects.filter(pk=event.pk).exists()
    assert event.notifications_count == 0
    assert not Notification.objects.filter(user=ann).exists()
    assert outbox == []
    assert ann_client.get(urls.list).json()["results"] == []
    assert services.counts(ann) == {"unread": 0, "unseen": 0}


def sent_then_expired(send, users, **kwargs):
    """An event sent with a future expiry whose moment has passed since (rows exist)."""
    event = send(users, expires=datetime.timedelta(hours=1), **kwargs)
    past = timezone.now() - datetime.timedelta(minutes=1)
    Event.objects.filter(pk=event.pk).update(expires=past)
    Notification.objects.filter(event=event).update(expires=past)
    return event


@pytest.mark.parametrize("value", ["tomorrow", 3600, datetime.date(2030, 1, 1)])
def test_a_bad_expiry_is_refused_before_anything_is_written(ann, send, value):
    with pytest.raises(InvalidNotification, match="expires must be a datetime or a timedelta"):
        send([ann], expires=value)
    assert not Event.objects.exists()


def test_prune_expired_removes_them_and_their_empty_events(ann, bob, send):
    gone = sent_then_expired(send, [ann, bob], title="gone")
    later = send([ann], title="later", expires=datetime.timedelta(days=1))
    forever = send([ann], title="forever")
    out = StringIO()

    call_command("prune_notifications", "--expired", stdout=out)

    assert out.getvalue().splitlines() == [
        "Deleted 2 notifications that expired.",
        "Deleted 1 events expired without notifications.",
    ]
    assert set(Event.objects.values_list("pk", flat=True)) == {later.pk, forever.pk}
    assert set(Notification.objects.values_list("event_id", flat=True)) == {later.pk, forever.pk}
    assert not Event.objects.filter(pk=gone.pk).exists()


def test_prune_expired_dry_run_deletes_nothing(ann, send):
    sent_then_expired(send, [ann])
    out = StringIO()

    call_command("prune_notifications", "--expired", "--dry-run", stdout=out)

    assert out.getvalue().splitlines() == [
        "Would delete 1 notifications that expired.",
        "Would delete 1 events expired without notifications.",
    ]
    assert Notification.objects.count() == 1


def test_prune_with_an_age_and_expired(ann, send):
    old = send([ann], title="old")
    Event.objects.filter(pk=old.pk).update(timestamp=timezone.now() - datetime.timedelta(days=40))
    sent_then_expired(send, [ann], title="expired")
    out = StringIO()

    call_command("prune_notifications", "--older-than", "30", "--expired", stdout=out)

    assert out.getvalue().splitlines() == [
        "Deleted 1 notifications of events older than 30 days.",
        "Deleted 1 notifications that expired.",
        "Deleted 2 events older than 30 days or expired without notifications.",
    ]
    assert not Event.objects.exists()
