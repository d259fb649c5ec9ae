"""Escalation steps: scheduled at send, sent when due while the condition holds, cancelled
in the transaction of the read, seen or archive that ends them; each step on its record."""

from __future__ import annotations

import datetime
import threading
import time
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import close_old_connections, transaction
from django.test import override_settings

from notifications import services
from notifications.helpers import send_notification
from notifications.models import Delivery, Notification
from notifications.outbound import locmem
from tests.conftest import client_for
from tests.escalation.conftest import ESCALATION_EVENTS, STEP_MINUTES

pytestmark = pytest.mark.usefixtures("escalation_settings")

API = "/api/notifications/"


def wait_until_due() -> None:
    time.sleep(STEP_MINUTES * 60 + 0.2)


def sweep() -> None:
    call_command("run_channels", stdout=open("/dev/null", "w"))  # noqa: SIM115


def email_record(user: Any) -> Delivery:
    return Delivery.objects.get(channel="email", notification__user=user)


def test_the_first_step_goes_at_once_the_later_one_is_scheduled(
    person: Any, committed: Any
) -> None:
    ann = person("ann")
    before = datetime.datetime.now(datetime.UTC)
    with committed():
        send_notification(type="mention", title="Ann, look", users=[ann])

    assert [m.title for m in locmem.outbox] == ["Ann, look"]
    step = email_record(ann)
    assert (step.status, step.condition) == ("scheduled", "unread")
    due = before + datetime.timedelta(minutes=STEP_MINUTES)
    assert due <= step.next_attempt_at <= due + datetime.timedelta(seconds=5)
    assert mail.outbox == []


def test_a_step_is_sent_when_due_and_recorded_sent(person: Any, committed: Any) -> None:
    ann = person("ann")
    with committed():
        send_notification(type="mention", title="Still unread", users=[ann])
    sweep()
    assert mail.outbox == []  # not due yet

    wait_until_due()
    sweep()

    assert [m.to for m in mail.outbox] == [["ann@example.com"]]
    step = email_record(ann)
    assert (step.status, step.attempts, step.next_attempt_at) == ("sent", 1, None)
    sweep()
    assert len(mail.outbox) == 1  # never twice


def test_reading_cancels_the_pending_step(person: Any, committed: Any) -> None:
    ann = person("ann")
    with committed():
        send_notification(type="mention", title="Read me", users=[ann])
    (row,) = Notification.objects.filter(user=ann)

    assert client_for(ann).patch(f"{API}{row.pk}").status_code == 200
    step = email_record(ann)
    assert (step.status, step.reason) == ("cancelled", "read")

    wait_until_due()
    sweep()
    assert mail.outbox == []


def test_read_all_cancels_the_pending_steps(person: Any, committed: Any) -> None:
    ann = person("ann")
    with committed():
        send_notification(type="mention", title="One", users=[ann])
        send_notification(type="mention", title="Two", users=[ann])

    assert client_for(ann).post(f"{API}read-all").status_code == 200

    reasons = set(Delivery.objects.filter(channel="email").values_list("status", "reason"))
    assert reasons == {("cancelled", "read")}


def test_seeing_cancels_an_unseen_step_but_not_an_unread_one(person: Any, committed: Any) -> None:
    ann = person("ann")
    with committed():
        alert = send_notification(type="alert", title="Seen ends me", users=[ann])
        mention = send_notification(type="mention", title="Seen does not", users=[ann])

    assert client_for(ann).post(f"{API}seen-all").status_code == 200

    alert_step = Delivery.objects.get(notification__event=alert)
    mention_step = Delivery.objects.get(notification__event=mention, channel="email")
    assert (alert_step.status, alert_step.reason) == ("cancelled", "seen")
    assert mention_step.status == "scheduled"
    wait_until_due()
    sweep()
    assert [m.subject for m in mail.outbox] == ["Seen does not"]


def test_archiving_cancels_the_pending_step(person: Any, committed: Any) -> None:
    ann = person("ann")
    with committed():
        send_notification(type="alert", title="Archive me", users=[ann])
    (row,) = Notification.objects.filter(user=ann)

    assert client_for(ann).post(f"{API}{row.pk}/archive").status_code == 200

    step = email_record(ann)
    assert (step.status, step.reason) == ("cancelled", "archived")


def test_a_step_whose_condition_ended_without_a_cancel_is_cancelled_at_its_claim(
    person: Any, committed: Any
) -> None:
    # A read written by an UPDATE outside the package (no cancel): the claim checks anyway.
    ann = person("ann")
    with committed():
        send_notification(type="mention", title="Read elsewhere", users=[ann])
    Notification.objects.filter(user=ann).update(readed=datetime.datetime.now(datetime.UTC))

    wait_until_due()
    sweep()

    assert mail.outbox == []
    step = email_record(ann)
    assert (step.status, step.reason) == ("cancelled", "read")


def test_an_expired_notification_step_is_skipped(person: Any, committed: Any) -> None:
    ann = person("ann")
    with committed():
        send_notification(
            type="mention",
            title="Short-lived",
            users=[ann],
            expires=datetime.timedelta(milliseconds=300),
        )

    wait_until_due()
    sweep()

    assert mail.outbox == []
    step = email_record(ann)
    assert (step.status, step.reason) == ("skipped", "expired")


def test_other_users_reads_cancel_only_their_own_steps(person: Any, committed: Any) -> None:
    ann = person("ann")
    bob = person("bob")
    with committed():
        send_notification(type="mention", title="Both", users=[ann, bob])

    client_for(ann).post(f"{API}read-all")

    assert email_record(ann).status == "cancelled"
    assert email_record(bob).status == "scheduled"
    wait_until_due()
    sweep()
    assert [m.to for m in mail.outbox] == [["bob@example.com"]]


@pytest.mark.django_db(transaction=True)
def test_a_read_committing_while_the_step_is_claimed_sends_nothing(
    person: Any, committed: Any
) -> None:
    """The race: a read's transaction is open (not committed) when the due step is claimed.

    PostgreSQL: the claim skips the notification the read holds; SQLite: the claim
    waits for the database's write lock. Either way nothing is sent, before or after
    the read commits, and the record says why.
    """
    ann = person("ann")
    send_notification(type="mention", title="Racing", users=[ann])  # autocommit: plan ran
    (row,) = Notification.objects.filter(user=ann)
    assert email_record(ann).status == "scheduled"
    wait_until_due()

    reading = threading.Event()
    release = threading.Event()

    def read() -> None:
        try:
            with transaction.atomic():
                services.mark_read(ann, [row.pk])
                reading.set()
                release.wait(10)
                time.sleep(0.3)  # commit while the sweep is running
        finally:
            close_old_connections()

    reader = threading.Thread(target=read)
    reader.start()
    assert reading.wait(10)
    release.set()
    sweep()  # claims while the read is uncommitted (or waits for it)
    reader.join(10)

    assert mail.outbox == []
    sweep()  # and after the read committed
    assert mail.outbox == []
    step = email_record(ann)
    assert (step.status, step.reason) == ("cancelled", "read")


@pytest.mark.django_db(transaction=True)
def test_a_step_claimed_before_the_read_is_sent_and_the_read_cancels_nothing(
    person: Any,
) -> None:
    """The other order: the claim commits first, so the step went out before the read."""
    ann = person("ann")
    send_notification(type="mention", title="First come", users=[ann])
    (row,) = Notification.objects.filter(user=ann)
    wait_until_due()

    sweep()
    services.mark_read(ann, [row.pk])

    assert [m.subject for m in mail.outbox] == ["First come"]
    assert email_record(ann).status == "sent"


def test_a_channel_turned_off_skips_the_step(person: Any, committed: Any) -> None:
    ann = person("ann")
    response = client_for(ann).patch(
        f"{API}preferences", {"types": {"mention": {"email": False}}}, format="json"
    )
    assert response.status_code == 200
    with committed():
        send_notification(type="mention", title="Off", users=[ann])

    wait_until_due()
    sweep()

    assert mail.outbox == []
    step = email_record(ann)
    assert (step.status, step.reason) == ("skipped", "disabled")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"channels": ["email"], "escalation": [{"channel": "sms", "after_minutes": 5}]},
            "the channel 'sms' is not offered by this type",
        ),
        (
            {
                "channels": ["email"],
                "escalation": [{"channel": "email"}, {"channel": "email", "after_minutes": 1}],
            },
            "the channel 'email' is a step twice",
        ),
        (
            {"channels": ["email"], "escalation": [{"channel": "email", "after_minutes": -1}]},
            "['after_minutes'] must be a number >= 0",
        ),
        (
            {
                "channels": ["email"],
                "escalation": [{"channel": "email", "after_minutes": 5, "if": "unclicked"}],
            },
            "['if'] must be one of 'unread', 'unseen'",
        ),
        (
            {
                "channels": {"email": {"digest": {"after_minutes": 5, "every_hours": 1}}},
                "escalation": [{"channel": "email", "after_minutes": 5}],
            },
            "goes out in digests for this type",
        ),
        ({"channels": ["email"], "escalation": {"channel": "email"}}, "must be a list of steps"),
        ({"channels": ["email"], "urgent": "yes"}, "['urgent'] must be True or False"),
    ],
)
def test_a_bad_declaration_is_a_system_check_error_naming_it(
    entry: dict[str, Any], message: str
) -> None:
    from django.core.checks import run_checks

    events = [*ESCALATION_EVENTS, {"name": "bad", "title": "Bad", **entry}]
    with override_settings(EVENTS=events):
        errors = [e for e in run_checks() if e.id == "notifications.E014"]
    assert len(errors) == 1
    assert errors[0].msg.startswith("EVENTS['bad']")
    assert message in errors[0].msg


def test_a_valid_declaration_passes_the_checks() -> None:
    from django.core.checks import run_checks

    assert [e.id for e in run_checks() if e.id == "notifications.E014"] == []
