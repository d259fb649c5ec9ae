"""SMS through Twilio's official library against a local Messages API stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.utils import timezone

from notifications.event_types import sync_event_types
from notifications.helpers import send_notification
from notifications.models import Delivery
from notifications.outbound import tasks
from notifications.outbound.sms import fit, septets
from tests.conftest import client_for
from tests.outbound import stand_ins
from tests.outbound.conftest import API, CHANNEL_EVENTS
from tests.outbound.stand_ins import TWILIO_SID, TWILIO_TOKEN, StandIn, stand_in

pytestmark = pytest.mark.usefixtures("channel_settings")


@pytest.fixture
def service(channel_settings: Any) -> Iterator[StandIn]:
    with stand_in() as running:
        channel_settings.EVENTS = [
            *CHANNEL_EVENTS,
            {"name": "alert", "title": "Alerts", "channels": ["sms"]},
        ]
        channel_settings.NOTIFICATIONS = {
            **channel_settings.NOTIFICATIONS,
            "OUTBOUND_UNSAFE_ALLOW": ["127.0.0.1/32"],
            "OUTBOUND_TIMEOUT": 1.0,
            "SMS_PHONE_NUMBER": "tests.outbound.stand_ins.phone_number",
            "TWILIO_ACCOUNT_SID": TWILIO_SID,
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "TWILIO_FROM": "+15550000000",
            "TWILIO_API_URL": running.origin,
        }
        sync_event_types()
        yield running
        assert running.errors == []


def phone(service: StandIn, user: Any, kind: str = "ok") -> str:
    number = f"+1555{user.pk:07d}"
    stand_ins.phones[user.pk] = number
    service.kinds[number] = kind
    return number


def send(users: list[Any], capture: Any, **kwargs: Any) -> None:
    with capture(execute=True):
        send_notification(type="alert", title="Disk full", users=users, **kwargs)


def record() -> Delivery:
    return Delivery.objects.get(channel="sms")


def retry_due(capture: Any) -> None:
    Delivery.objects.filter(status="failed", next_attempt_at__isnull=False).update(
        next_attempt_at=timezone.now()
    )
    with capture(execute=True):
        tasks.run_periodic()


def test_the_message_form_and_basic_auth(
    service: StandIn, member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ann = member("ann")
    number = phone(service, ann)
    send([ann], django_capture_on_commit_callbacks, message="on /var", url="/disk")
    (sms,) = service.accepted
    assert sms.body == {
        "To": number,
        "From": "+15550000000",
        "Body": "Disk full: on /var https://example.com/disk",
    }
    assert record().status == "sent"


def test_a_messaging_service_sends_instead_of_a_number(
    service: StandIn, member: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "TWILIO_FROM": "MG0123"}
    ann = member("ann")
    phone(service, ann)
    send([ann], django_capture_on_commit_callbacks)
    assert service.accepted[0].body["MessagingServiceSid"] == "MG0123"


def test_a_long_text_is_cut_to_the_segments_allowed(
    service: StandIn, member: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    ann = member("ann")
    phone(service, ann)
    send([ann], django_capture_on_commit_callbacks, message="x" * 400)
    body = service.accepted[-1].body["Body"]
    assert (len(body), body[-3:]) == (160, "...")
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "SMS_MAX_SEGMENTS": 2}
    send([ann], django_capture_on_commit_callbacks, message="ü€" * 400)  # € counts twice
    body = service.accepted[-1].body["Body"]
    assert septets(body) is not None
    assert septets(body) <= 306 < septets(body + "€")  # type: ignore[operator]


@pytest.mark.parametrize(
    ("text", "segments", "length", "end"),
    [
        ("a" * 160, 1, 160, "a"),  # fits: unchanged
        ("a" * 161, 1, 160, "..."),
        ("a" * 400, 2, 306, "..."),
        ("日" * 71, 1, 70, "…"),  # UCS-2: 70 per single segment
        ("日" * 200, 2, 134, "…"),
    ],
)
def test_fit(text: str, segments: int, length: int, end: str) -> None:
    cut = fit(text, segments)
    assert (len(cut), cut.endswith(end)) == (length, True)


def test_project_template(
    service: StandIn,
    member: Any,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
    tmp_path: Path,
) -> None:
    folder = tmp_path / "notifications" / "sms"
    folder.mkdir(parents=True)
    (folder / "alert.txt").write_text("ALERT: {{ event.title }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]
    ann = member("ann")
    phone(service, ann)
    send([ann], django_capture_on_commit_callbacks)
    assert service.accepted[0].body["Body"] == "ALERT: Disk full"


def test_no_number_skips_a_malformed_one_is_final(
    service: StandIn, member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ann, bob = member("ann"), member("bob")
    stand_ins.phones[bob.pk] = "0555 123"
    send([ann, bob], django_capture_on_commit_callbacks)
    by_user = {r.notification.user_id: r for r in Delivery.objects.filter(channel="sms")}
    assert (by_user[ann.pk].status, by_user[ann.pk].reason) == ("skipped", "no phone number")
    assert (by_user[bob.pk].status, by_user[bob.pk].next_attempt_at) == ("failed", None)
    assert service.received == []


def test_opt_out_in_the_preferences_and_at_twilio(
    service: StandIn, member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ann, bob = member("ann"), member("bob")
    phone(service, ann)
    phone(service, bob, "optout")  # bob replied STOP: Twilio answers 21610
    client = client_for(ann)
    assert client.get(f"{API}/preferences").json()["channels"] == ["in_app", "email", "sms"]
    client.patch(f"{API}/preferences", {"types": {"alert": {"sms": False}}}, format="json")
    send([ann, bob], django_capture_on_commit_callbacks)
    by_user = {r.notification.user_id: r for r in Delivery.objects.filter(channel="sms")}
    assert (by_user[ann.pk].status, by_user[ann.pk].reason) == ("skipped", "disabled")
    assert by_user[bob.pk].status == "skipped"
    assert "21610" in by_user[bob.pk].reason
    retry_due(django_capture_on_commit_callbacks)
    assert [r.key for r in service.received] == [stand_ins.phones[bob.pk]]  # once, never again


FAILURES = {
    "busy": (True, "429"),
    "broken": (True, "500"),
    "flaky": (True, "503"),
    "slow": (True, "deadline"),
    "close": (True, "disconnected"),
    "missing": (False, "404"),
    "bad": (False, "21211"),
}


@pytest.mark.parametrize("kind", list(FAILURES))
def test_each_failure_ends_in_its_documented_state(
    service: StandIn, member: Any, django_capture_on_commit_callbacks: Any, kind: str
) -> None:
    ann = member("ann")
    number = phone(service, ann, kind)
    send([ann], django_capture_on_commit_callbacks)
    retried, named = FAILURES[kind]
    first = record()
    assert first.status == "failed"
    assert (first.next_attempt_at is not None) is retried
    assert named in first.error
    assert number not in first.error  # the number is not logged in full
    retry_due(django_capture_on_commit_callbacks)
    after = record()
    if kind in {"flaky", "slow", "close"}:
        assert (after.status, after.attempts, len(service.accepted)) == ("sent", 2, 1)
    elif retried:
        assert (after.status, after.attempts) == ("failed", 2)
    else:
        assert (after.status, after.attempts, len(service.received)) == ("failed", 1, 1)


def test_a_refused_api_url_is_never_connected_to(
    service: StandIn, member: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "OUTBOUND_UNSAFE_ALLOW": []}
    ann = member("ann")
    phone(service, ann)
    send([ann], django_capture_on_commit_callbacks)
    assert service.received == []
    assert (record().status, record().next_attempt_at) == ("failed", None)
    assert "loopback address 127.0.0.1" in record().error
    with pytest.raises(SystemCheckError, match=r"E040.*TWILIO_API_URL"):
        call_command("check")


def test_a_phone_hook_that_does_not_import_is_a_check_error(channel_settings: Any) -> None:
    channel_settings.NOTIFICATIONS = {
        **channel_settings.NOTIFICATIONS,
        "SMS_PHONE_NUMBER": "tests.outbound.stand_ins.no_such_hook",
    }
    with pytest.raises(SystemCheckError, match=r"notifications\.E006.*SMS_PHONE_NUMBER"):
        call_command("check")


def test_an_sms_provider_that_does_not_import_is_a_check_error(
    service: StandIn, settings: Any
) -> None:
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "SMS_PROVIDER": "tests.outbound.nowhere.P"}
    with pytest.raises(SystemCheckError, match=r"notifications\.E042"):
        call_command("check")
