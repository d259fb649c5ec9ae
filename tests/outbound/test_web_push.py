"""Web Push through a real HTTP push service on loopback that decrypts every payload."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from notifications.helpers import send_notification
from notifications.models import Delivery, PushSubscription
from notifications.outbound import tasks
from tests.conftest import client_for
from tests.outbound.conftest import API
from tests.outbound.push_service import Browser, PushService, b64url, push_service

pytestmark = pytest.mark.usefixtures("web_push_settings")


@pytest.fixture
def service() -> Iterator[PushService]:
    with push_service() as running:
        yield running


def subscribe(client: Any, subscription: dict[str, Any]) -> Any:
    return client.post(f"{API}/push/subscriptions", subscription, format="json")


def test_key_and_subscription_endpoints(member: Any, service: PushService) -> None:
    ann = member("ann")
    client = client_for(ann)
    key = client.get(f"{API}/push/key")
    assert key.status_code == 200
    assert len(key.json()["public_key"]) == 87  # 65 bytes, base64url without padding
    browser = service.browser()
    first = subscribe(client, browser.to_json())
    assert (first.status_code, first.json()) == (201, {"endpoint": browser.endpoint})
    again = subscribe(client, browser.to_json())
    assert (again.status_code, again.json()) == (200, {"endpoint": browser.endpoint})
    assert PushSubscription.objects.get().user == ann
    gone = client.delete(f"{API}/push/subscriptions", {"endpoint": browser.endpoint}, format="json")
    assert gone.status_code == 204
    assert not PushSubscription.objects.exists()


def test_someone_else_cannot_delete_my_subscription(member: Any, service: PushService) -> None:
    ann, bob = member("ann"), member("bob")
    browser = service.browser()
    subscribe(client_for(ann), browser.to_json())
    response = client_for(bob).delete(
        f"{API}/push/subscriptions", {"endpoint": browser.endpoint}, format="json"
    )
    assert response.status_code == 204
    assert PushSubscription.objects.get().user == ann


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda s: s.update(endpoint="ftp://push.example.com/x"), "endpoint"),
        (lambda s: s.update(endpoint="not a url"), "endpoint"),
        (lambda s: s["keys"].update(p256dh="AAAA"), "keys"),
        (lambda s: s["keys"].update(auth="!!"), "keys"),
        (lambda s: s.pop("keys"), "keys"),
    ],
)
def test_bad_subscriptions_are_400(
    member: Any, service: PushService, change: Any, field: str
) -> None:
    subscription = service.browser().to_json()
    change(subscription)
    response = subscribe(client_for(member("ann")), subscription)
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not PushSubscription.objects.exists()


def test_endpoints_are_404_when_web_push_is_off(member: Any, settings: Any) -> None:
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "WEB_PUSH_VAPID_PRIVATE_KEY": None}
    client = client_for(member("ann"))
    key = client.get(f"{API}/push/key")
    assert (key.status_code, key.json()) == (404, {"detail": "Web Push is not enabled."})
    assert subscribe(client, {"endpoint": "https://x.example/1"}).status_code == 404


def test_payloads_are_encrypted_and_vapid_signed(
    member: Any, service: PushService, django_capture_on_commit_callbacks: Any
) -> None:
    ann, bob = member("ann"), member("bob")
    key = client_for(ann).get(f"{API}/push/key").json()["public_key"]
    phone, laptop, other = service.browser(), service.browser(), service.browser()
    subscribe(client_for(ann), phone.to_json())
    subscribe(client_for(ann), laptop.to_json())
    subscribe(client_for(bob), other.to_json())
    with django_capture_on_commit_callbacks(execute=True):
        event = send_notification(
            type="mention", title="Cy mentioned you", message="in #general", users=[ann]
        )
    assert service.errors == []
    assert sorted(r.path for r in service.received) == sorted(
        b.endpoint.removeprefix(service.origin) for b in (phone, laptop)
    )
    for received in service.received:
        assert received.vapid_key == key
        assert received.claims["aud"] == service.origin
        assert received.claims["sub"] == "mailto:ops@example.com"
        assert received.claims["exp"] > time.time()
        assert received.headers["ttl"] == "86400"
        payload = received.payload
        assert payload["title"] == "Cy mentioned you"
        assert payload["body"] == "in #general"
        assert payload["url"] == "https://example.com/"
        assert payload["notification"]["event"]["id"] == event.pk
        assert payload["notification"]["user"] == ann.pk
        assert payload["tag"] == f"notification-{payload['notification']['id']}"
    record = Delivery.objects.get(channel="web_push")
    assert (record.status, record.attempts) == ("sent", 1)


def test_a_push_opens_the_notifications_link(
    member: Any, service: PushService, django_capture_on_commit_callbacks: Any
) -> None:
    ann = member("ann")
    client_for(ann).get(f"{API}/push/key")
    subscribe(client_for(ann), service.browser().to_json())
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(type="mention", title="Linked", users=[ann], url="/posts/7")
        send_notification(type="mention", title="Away", users=[ann], url="https://x.org/1")
    urls = {r.payload["title"]: r.payload["url"] for r in service.received}
    assert urls == {"Linked": "https://example.com/posts/7", "Away": "https://x.org/1"}
    assert {r.payload["notification"]["event"]["url"] for r in service.received} == {
        "/posts/7",
        "https://x.org/1",
    }


def test_gone_subscriptions_are_deleted(
    member: Any, service: PushService, django_capture_on_commit_callbacks: Any
) -> None:
    ann, bob = member("ann"), member("bob")
    kept, expired, missing = (
        service.browser("ok"),
        service.browser("gone"),
        service.browser("missing"),
    )
    for browser in (kept, expired, missing):
        subscribe(client_for(ann), browser.to_json())
    only_gone = service.browser("gone")
    subscribe(client_for(bob), only_gone.to_json())
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(type="mention", title="Hi", users=[ann, bob])
    assert service.errors == []
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [kept.endpoint]
    by_user = {r.notification.user_id: r for r in Delivery.objects.filter(channel="web_push")}
    assert by_user[ann.pk].status == "sent"
    assert (by_user[bob.pk].status, by_user[bob.pk].reason) == (
        "skipped",
        "push subscriptions expired",
    )


def test_server_errors_fail_and_no_subscription_skips(
    member: Any, service: PushService, django_capture_on_commit_callbacks: Any
) -> None:
    ann, bob = member("ann"), member("bob")
    broken = service.browser("broken")
    subscribe(client_for(ann), broken.to_json())
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(type="mention", title="Hi", users=[ann, bob])
    by_user = {r.notification.user_id: r for r in Delivery.objects.filter(channel="web_push")}
    assert by_user[ann.pk].status == "failed"
    assert "500" in by_user[ann.pk].error
    assert by_user[ann.pk].next_attempt_at is not None
    assert (by_user[bob.pk].status, by_user[bob.pk].reason) == ("skipped", "no push subscription")
    assert PushSubscription.objects.count() == 1  # a 500 keeps the subscription


def test_a_push_service_that_is_down_fails_for_retry(
    member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with push_service() as stopped:
        browser = stopped.browser()
    ann = member("ann")
    subscribe(client_for(ann), browser.to_json())
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(type="mention", title="Hi", users=[ann])
    record = Delivery.objects.get(channel="web_push")
    assert record.status == "failed"
    assert "Connection refused" in record.error
    assert record.next_attempt_at is not None


def test_delete_takes_the_endpoint_as_a_query_parameter_too(
    member: Any, service: PushService
) -> None:
    ann = member("ann")
    browser = service.browser()
    subscribe(client_for(ann), browser.to_json())
    client = client_for(ann)
    assert client.delete(f"{API}/push/subscriptions").status_code == 400
    assert (
        client.delete(
            f"{API}/push/subscriptions", "[]", content_type="application/json"
        ).status_code
        == 400
    )
    assert (
        client.delete(
            f"{API}/push/subscriptions", '"endpoint"', content_type="application/json"
        ).status_code
        == 400
    )
    response = client.delete(f"{API}/push/subscriptions?endpoint={browser.endpoint}")
    assert response.status_code == 204
    assert not PushSubscription.objects.exists()


def stored(user: Any, endpoint: str, p256dh: str | None = None, auth: str | None = None) -> Any:
    """A row as 0.2 stored it before the keys and the endpoint were checked."""
    keys = Browser(endpoint).to_json()["keys"]
    return PushSubscription.objects.create(
        user=user, endpoint=endpoint, p256dh=p256dh or keys["p256dh"], auth=auth or keys["auth"]
    )


OFF_CURVE = b64url(b"\x04" + b"\x01" * 64)  # 65 bytes, not a point of P-256


@pytest.mark.parametrize(
    ("keys", "named"),
    [
        ({"p256dh": OFF_CURVE}, "p256dh"),
        ({"p256dh": b64url(b"\x04" + b"\xff" * 64)}, "p256dh"),  # beyond the field
        ({"auth": b64url(b"\x01" * 15)}, "auth"),
    ],
)
def test_keys_must_be_a_p256_point_and_a_16_byte_secret(
    member: Any, service: PushService, keys: dict[str, str], named: str
) -> None:
    subscription = service.browser().to_json()
    subscription["keys"].update(keys)
    response = subscribe(client_for(member("ann")), subscription)
    assert response.status_code == 400
    assert list(response.json()["keys"]) == [named]
    assert not PushSubscription.objects.exists()


def test_a_poisoned_subscription_fails_only_its_own_delivery(
    member: Any, service: PushService, django_capture_on_commit_callbacks: Any
) -> None:
    """Stored before the checks: an off-curve key, an IPv6 literal, userinfo. They sort first."""
    ann, bob, cy = member("ann"), member("bob"), member("cy")
    stored(ann, service.browser().endpoint, p256dh=OFF_CURVE)
    stored(cy, "https://[::1]:9/push")
    stored(cy, "https://user:pw@push.example.net/push")
    good_ann, good_bob = service.browser(), service.browser()
    stored(ann, good_ann.endpoint).delete()  # keep the poisoned one first by id
    for user, browser in ((ann, good_ann), (bob, good_bob)):
        subscribe(client_for(user), browser.to_json())
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(type="mention", title="Hi", users=[ann, bob, cy])
    assert service.errors == []
    assert sorted(r.path for r in service.received) == sorted(
        b.endpoint.removeprefix(service.origin) for b in (good_ann, good_bob)
    )
    by_user = {r.notification.user_id: r for r in Delivery.objects.filter(channel="web_push")}
    assert by_user[ann.pk].status == "sent"
    assert by_user[bob.pk].status == "sent"
    assert (by_user[cy.pk].status, by_user[cy.pk].next_attempt_at) == ("failed", None)
    assert "loopback" in by_user[cy.pk].error
    assert "credentials" in by_user[cy.pk].error


def test_a_retry_never_pushes_again_to_a_subscription_that_took_it(
    member: Any, service: PushService, django_capture_on_commit_callbacks: Any
) -> None:
    ann = member("ann")
    phone, laptop = service.browser("ok"), service.browser("broken")
    for browser in (phone, laptop):
        subscribe(client_for(ann), browser.to_json())
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(type="mention", title="Hi", users=[ann])
    record = Delivery.objects.get(channel="web_push")
    assert (record.status, record.attempts) == ("failed", 1)
    assert record.next_attempt_at is not None
    Delivery.objects.update(next_attempt_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        tasks.run_periodic()
    record.refresh_from_db()
    assert record.attempts == 2
    paths = [r.path for r in service.received]
    assert paths.count(phone.endpoint.removeprefix(service.origin)) == 1  # not on the retry
    assert paths.count(laptop.endpoint.removeprefix(service.origin)) == 2


@pytest.mark.parametrize(("kind", "retried"), [("bad", False), ("busy", True), ("broken", True)])
def test_4xx_answers_are_final_and_429_5xx_retried(
    member: Any,
    service: PushService,
    django_capture_on_commit_callbacks: Any,
    kind: str,
    retried: bool,
) -> None:
    ann = member("ann")
    subscribe(client_for(ann), service.browser(kind).to_json())
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(type="mention", title="Hi", users=[ann])
    record = Delivery.objects.get(channel="web_push")
    assert record.status == "failed"
    assert (record.next_attempt_at is not None) is retried
    assert PushSubscription.objects.count() == 1


def test_another_users_endpoint_answers_like_a_new_one_and_moves(
    member: Any, service: PushService
) -> None:
    ann, bob = member("ann"), member("bob")
    browser = service.browser()
    assert subscribe(client_for(ann), browser.to_json()).status_code == 201
    taken = subscribe(client_for(bob), browser.to_json())
    assert (taken.status_code, taken.json()) == (201, {"endpoint": browser.endpoint})
    assert PushSubscription.objects.get().user == bob  # one browser: its last login


def test_subscriptions_per_user_are_capped_oldest_dropped(
    member: Any, service: PushService, settings: Any
) -> None:
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "WEB_PUSH_MAX_SUBSCRIPTIONS": 3}
    ann, bob = member("ann"), member("bob")
    subscribe(client_for(bob), service.browser().to_json())
    browsers = [service.browser() for _ in range(5)]
    for browser in browsers:
        assert subscribe(client_for(ann), browser.to_json()).status_code == 201
    assert set(PushSubscription.objects.filter(user=ann).values_list("endpoint", flat=True)) == {
        b.endpoint for b in browsers[2:]
    }
    assert PushSubscription.objects.filter(user=bob).count() == 1


def test_a_key_file_is_read_when_used_and_may_not_exist_yet(
    member: Any, web_push_settings: Any, vapid_pem: str, tmp_path: Any
) -> None:
    """The README's block names BASE_DIR / "private_key.pem" before `vapid --gen` ran."""
    from pathlib import Path

    from django.core.checks import run_checks

    key_file = Path(tmp_path) / "private_key.pem"
    web_push_settings.NOTIFICATIONS = {
        **web_push_settings.NOTIFICATIONS,
        "WEB_PUSH_VAPID_PRIVATE_KEY": key_file,
    }
    client = client_for(member("ann"))

    assert client.get(f"{API}/push/key").status_code == 404  # off, and nothing crashed
    assert "notifications.W010" in {m.id for m in run_checks()}
    key_file.write_text(vapid_pem)  # `vapid --gen`
    assert client.get(f"{API}/push/key").json()["public_key"]
    assert "notifications.W010" not in {m.id for m in run_checks()}
