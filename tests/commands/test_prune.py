"""``manage.py prune_notifications``: both ages, batches, dry run, events left empty."""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.helpers import send_notification
from notifications.models import Event, Notification


def prune(*args: str) -> str:
    out = StringIO()
    call_command("prune_notifications", *args, stdout=out)
    return out.getvalue()


def days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def sent(users: list[Any], age_days: float, title: str = "Hi") -> Event:
    """An event of ``age_days`` ago sent to ``users``."""
    event = send_notification(type="post_like", title=title, users=users)
    Event.objects.filter(pk=event.pk).update(timestamp=days_ago(age_days))
    return event


@pytest.fixture
def history(ann: Any, bob: Any) -> dict[str, Event]:
    """Events of various ages, some read long ago, some recently, some unread."""
    events = {
        "ancient": sent([ann, bob], 100),
        "old": sent([ann, bob], 40),
        "recent": sent([ann, bob], 1),
        "empty_old": sent([], 40),
        "empty_new": sent([], 0),
    }
    Notification.objects.filter(event=events["old"], user=ann).update(readed=days_ago(35))
    Notification.objects.filter(event=events["old"], user=bob).update(readed=days_ago(2))
    Notification.objects.filter(event=events["recent"], user=ann).update(readed=days_ago(0.5))
    return events


def remaining() -> set[tuple[str, str]]:
    return {
        (n.event.title, n.user.get_username())
        for n in Notification.objects.select_related("event", "user")
    }


def test_read_older_than(history: dict[str, Event], ann: Any, bob: Any) -> None:
    out = prune("--read-older-than", "30")
    assert "Deleted 1 notifications read more than 30 days ago." in out
    assert not Notification.objects.filter(event=history["old"], user=ann).exists()
    assert Notification.objects.count() == 5
    # Only events older than 30 days and without notifications go: empty_old.
    assert "Deleted 1 events older than 30 days without notifications." in out
    assert set(Event.objects.values_list("pk", flat=True)) == {
        history[name].pk for name in ("ancient", "old", "recent", "empty_new")
    }


def test_older_than_removes_read_and_unread(history: dict[str, Event]) -> None:
    out = prune("--older-than", "90")
    assert "Deleted 2 notifications of events older than 90 days." in out
    assert not Notification.objects.filter(event=history["ancient"]).exists()
    assert "Deleted 1 events older than 90 days without notifications." in out
    assert not Event.objects.filter(pk=history["ancient"].pk).exists()
    assert Event.objects.filter(pk=history["empty_old"].pk).exists()  # only 40 days old


def test_both_ages_and_a_just_written_empty_event_stays(history: dict[str, Event]) -> None:
    out = prune("--older-than", "90", "--read-older-than", "30")
    assert "Deleted 2 notifications of events older than 90 days." in out
    assert "Deleted 1 notifications read more than 30 days ago." in out
    assert "Deleted 2 events older than 30 days without notifications." in out
    assert set(Event.objects.values_list("pk", flat=True)) == {
        history[name].pk for name in ("old", "recent", "empty_new")
    }


def test_dry_run_counts_and_deletes_nothing(history: dict[str, Event]) -> None:
    before_events = Event.objects.count()
    before = Notification.objects.count()
    out = prune("--older-than", "90", "--read-older-than", "30", "--dry-run")
    assert "Would delete 2 notifications of events older than 90 days." in out
    assert "Would delete 1 notifications read more than 30 days ago." in out
    # ancient (emptied by the first leg) and empty_old.
    assert "Would delete 2 events older than 30 days without notifications." in out
    assert Notification.objects.count() == before
    assert Event.objects.count() == before_events


def test_deletes_in_bounded_batches(make_user: Any) -> None:
    users = [make_user(f"user{i}") for i in range(7)]
    event = sent(users, 50)
    sent(users[:2], 1, title="keep")
    with CaptureQueriesContext(connection) as queries:
        out = prune("--older-than", "30", "--batch-size", "3")
    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DELETE")]
    notification_deletes = [
        sql for sql in deletes if '"notifications_notification"."id"' in sql.split("WHERE")[1]
    ]
    assert len(notification_deletes) == 3  # 3 + 3 + 1
    assert "Deleted 7 notifications" in out
    assert not Event.objects.filter(pk=event.pk).exists()
    assert Notification.objects.count() == 2


def test_needs_an_age() -> None:
    with pytest.raises(CommandError, match="older-than"):
        prune()
    with pytest.raises(CommandError, match="batch-size"):
        prune("--older-than", "3", "--batch-size", "0")
