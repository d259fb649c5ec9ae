"""Mobile push through FCM HTTP v1 against a local stand-in of Google's token endpoint and FCM."""

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
from notifications.models import Delivery, Device
from notifications.outbound import tasks
from tests.conftest import client_for
from tests.outbound.conftest import API, CHANNEL_EVENTS
from tests.outbound.stand_ins import StandIn, stand_in

pytestmark = pytest.mark.usefixtures("channel_settings")


@pytest.fixture
def service(channel_settings: Any) -> Iterator[StandIn]:
    with stand_in() as running:
        channel_settings.EVENTS = [
            *CHANNEL_EVENTS,
            {"name": "alert", "title": "Alerts", "channels": ["fcm"]},
        ]
        channel_settings.NOTIFICATIONS = {
            **channel_settings.NOTIFICATIONS,
            "OUTBOUND_UNSAFE_ALLOW": ["127.0.0.1/32"],
            "OUTBOUND_TIMEOUT": 1.0,
            "FCM_CREDENTIALS": running.service_account(),
            "FCM_API_URL": running.origin,
        }
        sync_event_types()
        yield running
        assert running.errors == []


def register(user: Any, token: str, platform: str = "android") -> Any:
    return client_for(user).post(
        f"{API}/devices", {"token": token, "platform": platform}, format="json"
    )


def send(users: list[Any], capture: Any, **kwargs: Any) -> None:
    with capture(execute=True):
        send_notification(type="alert", title="Disk full", users=users, **kwargs)


def record() -> Delivery:
    return Delivery.objects.get(channel="fcm")


def retry_due(capture: Any) -> None:
    Delivery.objects.filter(status="failed", next_attempt_at__isnull=False).update(
        next_attempt_at=timezone.now()
    )
    with capture(execute=True):
        tasks.run_periodic()


def test_devices_endpoint(service: StandIn, member: Any) -> None:
    ann, bob = member("ann"), member("bob")
    first = register(ann, "ok-1", "ios")
    assert (first.status_code, first.json()) == (201, {"token": "ok-1", "platform": "ios"})
    assert register(ann, "ok-1", "ios").status_code == 200
    listed = client_for(ann).get(f"{API}/devices").json()
    assert [(d["token"], d["platform"]) for d in listed] == [("ok-1", "ios")]
    assert client_for(bob).get(f"{API}/devices").json() == []
    gone = client_for(bob).delete(f"{API}/devices", {"token": "ok-1"}, format="json")
    assert gone.status_code == 204
    assert Device.objects.get().user == ann  # someone else's token is not theirs to delete
    assert client_for(ann).delete(f"{API}/devices?token=ok-1").status_code == 204
    assert not Device.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"token": "ok 1", "platform": "android"}, "token"),
        ({"token": "x" * 513, "platform": "android"}, "token"),
        ({"token": "ok-1", "platform": "symbian"}, "platform"),
        ({"platform": "android"}, "token"),
    ],
)
def test_bad_devices_are_400_naming_the_field(
    service: StandIn, member: Any, body: dict[str, Any], field: str
) -> None:
    response = client_for(member("ann")).post(f"{API}/devices", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not Device.objects.exists()


def test_devices_are_404_when_fcm_is_off(channel_settings: Any, member: Any) -> None:
    response = client_for(member("ann")).post(
        f"{API}/devices", {"token": "ok-1", "platform": "ios"}, format="json"
    )
    assert response.status_code == 404
    assert "FCM" in response.json()["detail"]


def test_the_message_has_title_body_data_and_the_unread_count_as_badge(
    service: StandIn, member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ann = member("ann")
    register(ann, "ok-1")
    register(ann, "ok-2", "ios")
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(type="post_comment", title="Earlier", users=[ann])  # in-app only
    send([ann], django_capture_on_commit_callbacks, message="on /var", data={"disk": "/var"})
    sent = [r for r in service.accepted if r.path.startswith("/v1/")]
    assert [r.key for r in sent] == ["ok-1", "ok-2"]
    message = sent[0].body["message"]
    assert message["notification"] == {"title": "Disk full", "body": "on /var"}
    assert message["data"] == {
        "notification_id": str(record().notification_id),
        "type": "alert",
        "url": "https://example.com/",
        "data": '{"disk":"/var"}',
    }
    assert message["apns"]["payload"]["aps"]["badge"] == 2
    assert sent[0].headers["authorization"] == f"Bearer {service.tokens[0]}"
    assert record().status == "sent"


def test_the_access_token_is_fetched_once_and_again_after_a_401(
    service: StandIn, member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ann = member("ann")
    register(ann, "ok-1")
    send([ann], django_capture_on_commit_callbacks)
    send([ann], django_capture_on_commit_callbacks)
    assert len(service.tokens) == 1
    service.tokens.clear()  # FCM no longer accepts the token: 401, retried with a new one
    send([ann], django_capture_on_commit_callbacks)
    third = Delivery.objects.filter(channel="fcm").order_by("-pk").first()
    assert third is not None
    assert (third.status, third.next_attempt_at is not None) == ("failed", True)
    assert "401" in third.error
    retry_due(django_capture_on_commit_callbacks)
    third.refresh_from_db()
    assert (third.status, third.attempts) == ("sent", 2)
    assert len(service.tokens) == 1


@pytest.mark.parametrize("kind", ["missing", "gone"])
def test_an_unregistered_token_is_removed(
    service: StandIn, member: Any, django_capture_on_commit_callbacks: Any, kind: str
) -> None:
    ann, bob = member("ann"), member("bob")
    register(ann, f"{kind}-1")
    register(ann, "ok-2")
    register(bob, f"{kind}-3")
    send([ann, bob], django_capture_on_commit_callbacks)
    assert list(Device.objects.values_list("token", flat=True)) == ["ok-2"]
    by_user = {r.notification.user_id: r for r in Delivery.objects.filter(channel="fcm")}
    assert by_user[ann.pk].status == "sent"  # the other device took it
    assert (by_user[bob.pk].status, by_user[bob.pk].reason) == ("skipped", "devices unregistered")


#: kind -> (retried, the error names)
FAILURES = {
    "busy": (True, "429"),
    "broken": (True, "500"),
    "flaky": (True, "503"),
    "slow": (True, "deadline"),
    "close": (True, "disconnected"),
    "bad": (False, "400"),
}


@pytest.mark.parametrize("kind", list(FAILURES))
def test_each_failure_ends_in_its_documented_state(
    service: StandIn, member: Any, django_capture_on_commit_callbacks: Any, kind: str
) -> None:
    ann = member("ann")
    register(ann, f"{kind}-1")
    send([ann], django_capture_on_commit_callbacks)
    retried, named = FAILURES[kind]
    first = record()
    assert first.status == "failed"
    assert (first.next_attempt_at is not None) is retried
    assert named in first.error
    retry_due(django_capture_on_commit_callbacks)
    after = record()
    pushes = [r for r in service.accepted if r.path.startswith("/v1/")]
    if kind in {"flaky", "slow", "close"}:
        assert (after.status, after.attempts, len(pushes)) == ("sent", 2, 1)
    elif retried:
        assert (after.status, after.attempts, after.next_attempt_at is not None) == (
            "failed",
            2,
            True,
        )
    else:
        assert (after.status, after.attempts, len(service.received)) == ("failed", 1, 1)
    assert Device.objects.count() == 1  # a failure is not a removal


def test_a_user_without_a_device_is_skipped(
    service: StandIn, member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    send([member("ann")], django_capture_on_commit_callbacks)
    assert (record().status, record().reason) == ("skipped", "no device")
    assert service.tokens == []  # no token fetched for nothing


def test_a_token_endpoint_or_api_url_the_policy_refuses_is_a_check_error(
    service: StandIn, settings: Any
) -> None:
    account = {**service.service_account(), "token_uri": "https://169.254.169.254/token"}
    settings.NOTIFICATIONS = {
        **settings.NOTIFICATIONS,
        "OUTBOUND_UNSAFE_ALLOW": [],
        "FCM_CREDENTIALS": account,
        "FCM_API_URL": "https://10.0.0.1",
    }
    with pytest.raises(SystemCheckError) as raised:
        call_command("check")
    text = str(raised.value)
    assert "FCM_API_URL] is refused" in text
    assert "private address 10.0.0.1" in text
    assert "FCM_CREDENTIALS['token_uri']] is refused" in text
    assert "link-local address 169.254.169.254" in text


def test_a_refused_token_endpoint_is_never_connected_to(
    service: StandIn, member: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    """The token request goes through the policy too: 127.0.0.1 not allowed, not connected."""
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "OUTBOUND_UNSAFE_ALLOW": []}
    ann = member("ann")
    Device.objects.create(user=ann, token="ok-1", platform="android")
    send([ann], django_capture_on_commit_callbacks)
    assert service.received == []
    assert service.tokens == []
    assert record().status == "failed"
    assert "loopback address 127.0.0.1" in record().error


def test_credentials_from_a_file_or_text_and_off_while_the_file_is_missing(
    service: StandIn,
    member: Any,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
    tmp_path: Path,
) -> None:
    import json

    path = tmp_path / "account.json"
    account = settings.NOTIFICATIONS["FCM_CREDENTIALS"]
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "FCM_CREDENTIALS": path}
    ann = member("ann")
    assert register(ann, "ok-1").status_code == 404  # the file is not there yet: FCM is off
    path.write_text(json.dumps(account))
    assert register(ann, "ok-1").status_code == 201
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "FCM_CREDENTIALS": json.dumps(account)}
    send([ann], django_capture_on_commit_callbacks)
    assert record().status == "sent"
