"""A mute is honoured by every send about its target, whatever the audience and the mode."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from notifications import subscriptions
from notifications.helpers import send_notification
from notifications.models import Event, Notification

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def post(db):
    return Group.objects.create(name="post 7")


def recipients(event):
    return set(Notification.objects.filter(event=event).values_list("user_id", flat=True))


AUDIENCES = {
    "queryset": lambda ann, bob: get_user_model().objects.filter(pk__in=[ann.pk, bob.pk]),
    "list": lambda ann, bob: [ann, bob],
    "ids": lambda ann, bob: get_user_model().objects.values_list("pk", flat=True),
    "one user": lambda ann, bob: ann,
    "everyone": lambda ann, bob: None,
}


@pytest.mark.parametrize("audience", AUDIENCES, ids=list(AUDIENCES))
def test_every_audience_leaves_the_muted_user_out(ann, bob, post, audience):
    subscriptions.mute(ann, post)

    event = send_notification(
        type="post_like", title="x", users=AUDIENCES[audience](ann, bob), target=post
    )

    assert ann.pk not in recipients(event)
    assert event.notifications_count == len(recipients(event))


def test_the_single_send_leaves_the_muted_user_out_and_counts_nothing(ann, post):
    # On PostgreSQL one statement writes the Event, the row and the count.
    subscriptions.mute(ann, post)

    event = send_notification(type="post_like", title="x", users=ann, target=post)

    assert recipients(event) == set()
    assert Event.objects.get(pk=event.pk).notifications_count == 0


def test_other_targets_and_sends_without_a_target_still_arrive(ann, post):
    other = Group.objects.create(name="post 8")
    subscriptions.mute(ann, post)

    about_other = send_notification(type="post_like", title="x", users=ann, target=other)
    untargeted = send_notification(type="post_like", title="x", users=[ann])

    assert recipients(about_other) == {ann.pk}
    assert recipients(untargeted) == {ann.pk}


def test_grouped_sends_honour_the_mute(ann, bob, post):
    send_notification(type="post_like", title="1", users=[ann, bob], target=post, group="p")
    subscriptions.mute(ann, post)

    send_notification(type="post_like", title="2", users=[ann, bob], target=post, group="p")

    counts = dict(Notification.objects.values_list("user_id", "count"))
    assert counts == {ann.pk: 1, bob.pk: 2}


def test_background_chunks_honour_a_mute_committed_before_they_run(settings, ann, bob, post):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    event = send_notification(
        type="post_like", title="x", users=[ann, bob], target=post, background=True
    )
    subscriptions.mute(ann, post)  # after the send returned, before its chunk runs

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    assert recipients(event) == {bob.pk}


def test_scheduled_sends_honour_a_mute_committed_before_they_run(settings, ann, bob, post):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    send_at = timezone.now() + datetime.timedelta(seconds=0.5)
    event = send_notification(
        type="post_like", title="x", users=[ann, bob], target=post, send_at=send_at
    )
    subscriptions.mute(ann, post)
    while timezone.now() < send_at:
        threading.Event().wait(0.05)

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    assert recipients(event) == {bob.pk}


def test_a_mute_after_the_rows_were_written_does_not_remove_them(ann, bob, post):
    """Documented: a send whose statement ran before the mute committed keeps its row.

    The send's transaction is still open (its rows not committed) when the mute
    commits on another connection; the row stays and is delivered at commit.
    """
    wrote = threading.Event()
    muted = threading.Event()
    errors: list[BaseException] = []

    def sender() -> None:
        try:
            with transaction.atomic():
                send_notification(type="post_like", title="x", users=[ann, bob], target=post)
                wrote.set()
                assert muted.wait(20)
        except BaseException as error:
            errors.append(error)
        finally:
            from django.db import connection

            connection.close()

    thread = threading.Thread(target=sender)
    thread.start()
    assert wrote.wait(20)
    # On SQLite the mute waits for the send's write lock; on PostgreSQL it commits at once.
    muter = threading.Thread(target=lambda: (subscriptions.mute(ann, post), muted.set()))
    muter.start()
    if not muted.wait(0.5):
        muted.set()  # SQLite: let the sender commit first; the mute then follows
    thread.join(30)
    muter.join(30)

    assert errors == []
    event = Event.objects.get()
    assert recipients(event) == {ann.pk, bob.pk}
    assert subscriptions.is_muted(ann, post)
    later = send_notification(type="post_like", title="y", users=[ann, bob], target=post)
    assert recipients(later) == {bob.pk}


def test_no_send_that_starts_after_the_mute_returned_notifies(ann, bob, post):
    """Sends run in a loop on another thread while the mute commits: every send that
    started after ``mute()`` returned leaves the muted user out."""
    stop = threading.Event()
    started: list[tuple[float, int]] = []
    errors: list[BaseException] = []

    def sender() -> None:
        from django.db import connection

        try:
            while not stop.is_set():
                began = timezone.now().timestamp()
                event = send_notification(
                    type="post_like", title="x", users=[ann, bob], target=post
                )
                started.append((began, event.pk))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=sender)
    thread.start()
    threading.Event().wait(0.3)
    subscriptions.mute(ann, post)
    returned = timezone.now().timestamp()
    threading.Event().wait(0.3)
    stop.set()
    thread.join(30)

    assert errors == []
    after = [pk for began, pk in started if began > returned]
    assert after, "no send started after the mute"
    leaked = Notification.objects.filter(event_id__in=after, user=ann)
    assert not leaked.exists()
    assert Notification.objects.filter(event_id__in=after, user=bob).count() == len(after)
