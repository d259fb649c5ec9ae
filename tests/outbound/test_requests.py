"""The outbound-request policy at registration (POST push/subscriptions) and at send time."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from notifications.helpers import send_notification
from notifications.models import Delivery, PushSubscription
from tests.conftest import client_for
from tests.outbound import dns
from tests.outbound.conftest import API
from tests.outbound.listeners import answer, drip, listener
from tests.outbound.push_service import Browser

pytestmark = pytest.mark.usefixtures("web_push_settings")


@pytest.fixture
def production(web_push_settings: Any) -> Iterator[Any]:
    """The defaults a project runs with (nothing unsafe allowed), any push service host."""
    web_push_settings.NOTIFICATIONS = {
        **web_push_settings.NOTIFICATIONS,
        "OUTBOUND_UNSAFE_ALLOW": [],
        "WEB_PUSH_SERVICES": None,
        "OUTBOUND_RESOLVER": "tests.outbound.dns.resolve",
    }
    dns.zone.clear()
    yield web_push_settings
    dns.zone.clear()


def subscribe(user: Any, endpoint: str) -> Any:
    return client_for(user).post(
        f"{API}/push/subscriptions", Browser(endpoint).to_json(), format="json"
    )


REFUSED = [
    ("https://127.0.0.1/push", "loopback"),
    ("https://127.3.4.5:8443/push", "loopback"),
    ("https://localhost/push", "loopback"),  # the system resolver's real answer
    ("https://foo.localhost/push", "loopback"),
    ("https://169.254.169.254/latest/meta-data/", "link-local"),
    ("https://metadata.google.internal/computeMetadata/v1/", "link-local"),  # via dns.zone
    ("https://10.0.0.1/push", "private"),
    ("https://172.16.5.4/push", "private"),
    ("https://192.168.1.1/push", "private"),
    ("https://100.64.0.1/push", "address"),  # shared address space (CGNAT)
    ("https://0.0.0.0/push", "unspecified"),
    ("https://224.0.0.1/push", "multicast"),
    ("https://240.0.0.1/push", "reserved"),
    ("https://[::1]/push", "loopback"),
    ("https://[::]/push", "unspecified"),
    ("https://[fd00::1]/push", "unique-local"),
    ("https://[64:ff9b::a00:1]/push", "address"),  # NAT64 of 10.0.0.1
    ("https://[fe80::1]/push", "link-local"),
    ("https://[ff02::1]/push", "multicast"),
    ("https://[::ffff:127.0.0.1]/push", "127.0.0.1"),
    ("https://[::ffff:169.254.169.254]/push", "169.254.169.254"),
    ("https://[::127.0.0.1]/push", "127.0.0.1"),  # IPv4-compatible
    ("https://[2002:7f00:1::]/push", "127.0.0.1"),  # 6to4 of loopback
    ("https://user:pw@push.example.net/push", "credentials"),
    ("https://user@push.example.net/push", "credentials"),
    ("http://push.example.net/push", "https"),
    ("https://mixed.example.net/push", "private"),  # one public, one private address
]


@pytest.mark.parametrize(("endpoint", "named"), REFUSED)
def test_forbidden_endpoints_are_refused_with_a_400_naming_them(
    production: Any, member: Any, endpoint: str, named: str
) -> None:
    dns.zone["metadata.google.internal"] = ["169.254.169.254"]
    dns.zone["push.example.net"] = ["93.184.216.34"]
    dns.zone["mixed.example.net"] = ["93.184.216.34", "10.1.2.3"]
    response = subscribe(member("ann"), endpoint)
    assert response.status_code == 400
    (message,) = response.json()["endpoint"]
    assert repr(endpoint) in message
    assert named in message
    assert not PushSubscription.objects.exists()


def test_a_public_name_and_a_name_that_does_not_resolve_are_kept(
    production: Any, member: Any
) -> None:
    dns.zone["push.example.net"] = ["93.184.216.34", "2606:2800:220:1::1"]
    ann = member("ann")
    assert subscribe(ann, "https://push.example.net/a").status_code == 201
    assert subscribe(ann, "https://nowhere.invalid/b").status_code == 201  # checked at send
    assert PushSubscription.objects.count() == 2


def test_only_known_push_services_by_default(settings: Any, member: Any) -> None:
    settings.NOTIFICATIONS = {
        key: value
        for key, value in settings.NOTIFICATIONS.items()
        if key not in {"WEB_PUSH_SERVICES", "OUTBOUND_UNSAFE_ALLOW"}
    }
    ann = member("ann")
    refused = subscribe(ann, "https://push.example.net/a")
    assert refused.status_code == 400
    assert "not a known push service" in refused.json()["endpoint"][0]
    for endpoint in (
        "https://fcm.googleapis.com/fcm/send/abc",
        "https://updates.push.services.mozilla.com/wpush/v2/abc",
        "https://web.push.apple.com/QGx",
        "https://wns2-par02p.notify.windows.com/w/?token=abc",
    ):
        assert subscribe(ann, endpoint).status_code == 201, endpoint


def test_a_name_that_turns_private_after_registration_is_not_connected_to(
    production: Any, member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """DNS rebinding: public at subscribe time, loopback at send time: refused, final."""
    with listener(answer("201 Created")) as internal:
        endpoint = f"https://rebind.example.net:{internal.port}/push"
        dns.zone["rebind.example.net"] = ["93.184.216.34"]
        ann = member("ann")
        assert subscribe(ann, endpoint).status_code == 201
        dns.zone["rebind.example.net"] = ["127.0.0.1"]
        with django_capture_on_commit_callbacks(execute=True):
            send_notification(type="mention", title="Hi", users=[ann])
    assert internal.connections == 0
    record = Delivery.objects.get(channel="web_push")
    assert (record.status, record.next_attempt_at) == ("failed", None)  # final
    assert "loopback address 127.0.0.1" in record.error


def test_a_redirect_to_a_private_address_is_not_followed(
    member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """127.0.0.1 is allowed for the test push service; the redirect target never sees a byte."""
    with (
        listener(answer("201 Created")) as metadata,
        listener(
            answer("307 Temporary Redirect", {"Location": f"{metadata.origin}/latest/meta-data/"})
        ) as redirecting,
    ):
        ann = member("ann")
        assert subscribe(ann, f"{redirecting.origin}/push/1").status_code == 201
        with django_capture_on_commit_callbacks(execute=True):
            send_notification(type="mention", title="Hi", users=[ann])
    assert len(redirecting.requests) == 1
    assert metadata.connections == 0
    record = Delivery.objects.get(channel="web_push")
    assert (record.status, record.next_attempt_at) == ("failed", None)
    assert ": 307" in record.error


def test_a_dripping_push_service_is_cut_at_the_total_deadline(
    settings: Any, member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "OUTBOUND_TIMEOUT": 1.0}
    with listener(drip(every=0.2, for_at_most=8)) as slow:
        ann = member("ann")
        assert subscribe(ann, f"{slow.origin}/push/1").status_code == 201
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            send_notification(type="mention", title="Hi", users=[ann])
        took = time.monotonic() - started
    assert took < 3
    record = Delivery.objects.get(channel="web_push")
    assert record.status == "failed"
    assert record.next_attempt_at is not None  # a timeout is worth a retry
    assert "deadline" in record.error


def test_a_body_dripping_a_byte_at_a_time_is_cut_at_the_deadline() -> None:
    from notifications.outbound import requests

    with listener(drip(every=0.2, for_at_most=8, in_body=True)) as slow:
        started = time.monotonic()
        with pytest.raises(requests.DeadlineExceeded):
            requests.post(f"{slow.origin}/hook", content=b"{}", headers={}, timeout=1.0)
    assert time.monotonic() - started < 2


def test_the_response_body_is_read_up_to_the_bound() -> None:
    from notifications.outbound import requests

    with listener(answer("200 OK", body=b"x" * 1_000_000)) as big:
        response = requests.post(
            f"{big.origin}/hook", content=b"{}", headers={}, max_response_bytes=1000
        )
    assert (response.status, len(response.body), response.truncated) == (200, 1000, True)


def test_post_refuses_before_connecting(production: Any) -> None:
    from notifications.outbound import requests

    with listener(answer("200 OK")) as internal:
        with pytest.raises(requests.RefusedURL, match="loopback"):
            requests.post(f"https://localhost:{internal.port}/x", content=b"", headers={})
        dns.zone["plain.example.net"] = ["93.184.216.34"]
        with pytest.raises(requests.RefusedURL, match="https"):
            requests.post("http://plain.example.net/x", content=b"", headers={})
    assert internal.connections == 0
