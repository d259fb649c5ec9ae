"""Email digests: still unread after N minutes, at most one every M hours, batches of users."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.helpers import send_notification
from notifications.models import Delivery, DigestState, Event, Notification
from notifications.outbound import digests, tasks
from notifications.services import mark_read
from tests.conftest import client_for
from tests.outbound.conftest import API, use_email_backend

pytestmark = pytest.mark.usefixtures("channel_settings")


def age(minutes: float) -> None:
    """Make every event ``minutes`` older."""
    for event in Event.objects.all():
        Event.objects.filter(pk=event.pk).update(
            timestamp=event.timestamp - datetime.timedelta(minutes=minutes)
        )


def age_states(hours: float) -> None:
    for state in DigestState.objects.all():
        DigestState.objects.filter(pk=state.pk).update(
            last_sent_at=state.last_sent_at - datetime.timedelta(hours=hours)
        )


def test_nothing_is_sent_at_once_nor_before_n_minutes(
    member: Any, planned: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    ann = member("ann")
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(type="weekly", title="News", users=[ann])
    assert planned == []  # no channel task: weekly email goes in digests only
    age(29)
    assert tasks.run_periodic() == {"retry_batches": 0, "digest_batches": 0}
    assert mail.outbox == []


def test_one_email_per_user_with_what_is_still_unread(member: Any) -> None:
    ann, bob = member("ann"), member("bob")
    first = send_notification(type="weekly", title="First", users=[ann, bob])
    send_notification(type="weekly", title="Second", users=[ann, bob])
    send_notification(type="weekly", title="Third", users=[ann])
    mark_read(ann, [Notification.objects.get(event=first, user=ann).pk])
    age(31)
    assert tasks.run_periodic() == {"retry_batches": 0, "digest_batches": 1}
    by_user = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_user) == ["ann@example.com", "bob@example.com"]
    ann_mail = by_user["ann@example.com"]
    assert ann_mail.subject == "2 unread notifications"
    assert ann_mail.body.index("Third") < ann_mail.body.index("Second")  # newest first
    assert "First" not in ann_mail.body  # read meanwhile
    assert "First" in by_user["bob@example.com"].body
    assert by_user["bob@example.com"].subject == "2 unread notifications"
    assert ann_mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    records = Delivery.objects.filter(digest=True, status="sent")
    assert records.count() == 4
    assert not Delivery.objects.filter(notification__readed__isnull=False).exists()
    # Nothing left to send: a second run sends nothing again.
    mail.outbox.clear()
    assert tasks.run_periodic()["digest_batches"] == 0
    assert mail.outbox == []


def test_at_most_one_email_every_m_hours(member: Any) -> None:
    ann = member("ann")
    send_notification(type="weekly", title="First", users=[ann])
    age(31)
    tasks.run_periodic()
    assert len(mail.outbox) == 1
    send_notification(type="weekly", title="Second", users=[ann])
    age(31)
    age_states(5)  # 5 of the 6 hours
    tasks.run_periodic()
    assert len(mail.outbox) == 1
    age_states(1.01)
    tasks.run_periodic()
    assert len(mail.outbox) == 2
    assert "Second" in mail.outbox[1].body
    assert "First" not in mail.outbox[1].body


def test_a_user_who_turned_the_type_off_gets_none(member: Any) -> None:
    ann, bob = member("ann"), member("bob")
    client_for(ann).patch(
        f"{API}/preferences", {"types": {"weekly": {"email": False}}}, format="json"
    )
    send_notification(type="weekly", title="News", users=[ann, bob])
    age(31)
    tasks.run_periodic()
    assert [m.to[0] for m in mail.outbox] == ["bob@example.com"]
    skipped = Delivery.objects.get(notification__user=ann)
    assert (skipped.status, skipped.reason) == ("skipped", "disabled")


def test_a_failed_digest_is_retried_by_a_later_run(member: Any, settings: Any) -> None:
    from tests.outbound import failing

    use_email_backend(settings, "tests.outbound.failing.FlakyBackend")
    failing.failures.clear()
    failing.failures["ann@example.com"] = 1
    ann = member("ann")
    send_notification(type="weekly", title="News", users=[ann])
    age(31)
    tasks.run_periodic()
    assert mail.outbox == []
    record = Delivery.objects.get()
    assert (record.status, record.digest, record.attempts) == ("failed", True, 1)
    assert tasks.run_periodic() == {"retry_batches": 0, "digest_batches": 0}  # backoff
    Delivery.objects.update(next_attempt_at=timezone.now())
    tasks.run_periodic()
    assert [m.to[0] for m in mail.outbox] == ["ann@example.com"]
    assert Delivery.objects.get().attempts == 2


def test_users_are_paged_in_batches(member: Any, settings: Any) -> None:
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "DIGEST_BATCH_SIZE": 2}
    users = [member(f"user{i}") for i in range(5)]
    send_notification(type="weekly", title="News", users=users)
    age(31)
    batches = list(digests.due_user_batches(timezone.now(), 2))
    assert batches == [[u.pk for u in users[:2]], [u.pk for u in users[2:4]], [users[4].pk]]
    assert tasks.run_periodic()["digest_batches"] == 3
    assert len(mail.outbox) == 5


def test_queries_per_batch_do_not_depend_on_its_size(member: Any) -> None:
    users = [member(f"user{i}") for i in range(30)]
    for title in ("One", "Two"):
        send_notification(type="weekly", title=title, users=users)
    age(31)
    counts = []
    for batch in ([u.pk for u in users[:3]], [u.pk for u in users[3:30]]):
        with CaptureQueriesContext(connection) as queries:
            sent = digests.send_batch(batch)
        assert sent == len(batch)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert len(mail.outbox) == 30
