"""Signed webhooks, Slack, Teams and Discord against local stand-ins of each service.

Every failure a service can give (429, 500, 404/410, a timeout, a closed
connection) ends in the documented delivery state, nothing is sent twice and
nothing is lost; every URL goes through the outbound-request policy.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from notifications.event_types import sync_event_types
from notifications.helpers import send_notification
from notifications.models import Delivery
from notifications.outbound import tasks
from tests.conftest import client_for
from tests.outbound import dns, stand_ins
from tests.outbound.conftest import API, CHANNEL_EVENTS
from tests.outbound.listeners import answer, listener
from tests.outbound.stand_ins import SECRET, SLACK_TOKEN, StandIn, stand_in
from tests.outbound.test_requests import REFUSED

pytestmark = pytest.mark.usefixtures("channel_settings")

EVENTS = [
    *CHANNEL_EVENTS,
    {
        "name": "alert",
        "title": "Alerts",
        "channels": ["webhook", "slack", "teams", "discord"],
    },
    {"name": "quiet", "title": "Quiet", "channels": {"slack": False}},
]


@pytest.fixture
def service(channel_settings: Any) -> Iterator[StandIn]:
    """The stand-in, and every channel pointed at it (127.0.0.1 allowed, unsafe, for tests)."""
    with stand_in() as running:
        channel_settings.EVENTS = EVENTS
        channel_settings.NOTIFICATIONS = {
            **channel_settings.NOTIFICATIONS,
            "OUTBOUND_UNSAFE_ALLOW": ["127.0.0.1/32"],
            "OUTBOUND_TIMEOUT": 1.0,
            "WEBHOOK_ENDPOINTS": {
                "main": {"url": f"{running.origin}/hooks/main", "secret": SECRET}
            },
            "SLACK_BOT_TOKEN": SLACK_TOKEN,
            "SLACK_USER_ID": "tests.outbound.stand_ins.slack_member",
            "SLACK_API_URL": f"{running.origin}/api",
            "SLACK_WEBHOOK_URLS": {"*": f"{running.origin}/slack/ok/team"},
            "TEAMS_USER_WEBHOOK_URL": "tests.outbound.stand_ins.teams_webhook",
            "DISCORD_USER_WEBHOOK_URL": "tests.outbound.stand_ins.discord_webhook",
        }
        sync_event_types()
        yield running
        assert running.errors == []


def send(users: list[Any], capture: Any, type: str = "alert", **kwargs: Any) -> None:
    with capture(execute=True):
        send_notification(type=type, title="Disk full", users=users, **kwargs)


def record(channel: str, user: Any = None) -> Delivery:
    rows = Delivery.objects.filter(channel=channel)
    return rows.get(notification__user=user) if user is not None else rows.get()


def retry_due(capture: Any) -> None:
    Delivery.objects.filter(status="failed", next_attempt_at__isnull=False).update(
        next_attempt_at=timezone.now()
    )
    with capture(execute=True):
        tasks.run_periodic()


# --- signed webhooks ---------------------------------------------------------------------------


def test_webhook_carries_the_standard_webhooks_headers_and_the_api_json(
    service: StandIn, member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ann = member("ann")
    send([ann], django_capture_on_commit_callbacks, message="on /var")
    (hook,) = [r for r in service.accepted if r.path == "/hooks/main"]
    notification_id = record("webhook").notification_id
    assert hook.headers["webhook-id"] == f"notification_{notification_id}"
    assert hook.headers["content-type"].startswith("application/json")
    assert hook.headers["webhook-signature"].startswith("v1,")
    detail = client_for(ann).get(f"{API}/{notification_id}").json()
    assert hook.body["data"] == detail  # the REST API's JSON of the notification
    assert record("webhook").status == "sent"


def test_a_signature_with_another_secret_does_not_verify(
    service: StandIn, member: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    other = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="
    settings.NOTIFICATIONS = {
        **settings.NOTIFICATIONS,
        "WEBHOOK_ENDPOINTS": {"main": {"url": f"{service.origin}/hooks/main", "secret": other}},
    }
    send([member("ann")], django_capture_on_commit_callbacks)
    assert len(service.errors) == 1
    assert "WebhookVerificationError" in service.errors[0]
    service.errors.clear()
    delivery = record("webhook")
    assert (delivery.status, delivery.next_attempt_at) == ("failed", None)  # 401: final
    assert delivery.error == "endpoint main: 401"


def test_a_retry_goes_only_to_the_endpoint_that_failed_with_the_same_id(
    service: StandIn, member: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.NOTIFICATIONS = {
        **settings.NOTIFICATIONS,
        "WEBHOOK_ENDPOINTS": {
            "a": {"url": f"{service.origin}/hooks/a", "secret": SECRET},
            "b": {"url": f"{service.origin}/hooks/b", "secret": SECRET},
            "other": {"url": f"{service.origin}/hooks/c", "secret": SECRET, "types": ["quiet"]},
        },
    }
    ann = member("ann")
    service.kinds[str(ann.pk)] = "flaky"  # each endpoint answers 503 once
    service.attempts[f"/hooks/a {ann.pk}"] = 1  # ...but a has had its first already
    send([ann], django_capture_on_commit_callbacks)
    delivery = record("webhook")
    assert (delivery.status, delivery.accepted) == ("failed", ["a"])
    retry_due(django_capture_on_commit_callbacks)
    hooks = [r for r in service.received if r.path.startswith("/hooks/")]
    taken = [(r.path, r.headers["webhook-id"]) for r in hooks if r.status == 204]
    msg_id = f"notification_{delivery.notification_id}"
    assert taken == [("/hooks/a", msg_id), ("/hooks/b", msg_id)]  # c takes another type
    assert [r.headers["webhook-id"] for r in hooks] == [msg_id] * 3
    assert (record("webhook").status, record("webhook").attempts) == ("sent", 2)


# --- Slack, Teams, Discord ----------------------------------------------------------------------


def test_slack_direct_message_else_the_types_webhook_escaped(
    service: StandIn, member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ann, bob = member("ann"), member("bob")
    stand_ins.members[ann.pk] = "UANN"
    with django_capture_on_commit_callbacks(execute=True):
        send_notification(type="alert", title="<!channel> a & b", users=[ann, bob])
    (direct,) = [r for r in service.accepted if r.path == "/api/chat.postMessage"]
    (team,) = [r for r in service.accepted if r.path == "/slack/ok/team"]
    assert direct.body["channel"] == "UANN"
    assert direct.body["text"].startswith("&lt;!channel&gt; a &amp; b\n")
    assert team.body["text"] == direct.body["text"]
    assert {record("slack", u).status for u in (ann, bob)} == {"sent"}


def test_a_type_without_a_destination_is_skipped(
    service: StandIn, member: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "SLACK_WEBHOOK_URLS": {}}
    send([member("ann")], django_capture_on_commit_callbacks)
    assert (record("slack").status, record("slack").reason) == ("skipped", "no slack destination")
    assert (record("teams").reason, record("discord").reason) == (
        "no teams destination",
        "no discord destination",
    )


def test_teams_card_and_discord_without_mentions(
    service: StandIn, member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ann = member("ann")
    stand_ins.user_urls["teams", ann.pk] = f"{service.origin}/teams/ok/1"
    stand_ins.user_urls["discord", ann.pk] = f"{service.origin}/discord/ok/1"
    send([ann], django_capture_on_commit_callbacks, message="x" * 3000, url="/disk")
    (card,) = [r for r in service.accepted if r.path == "/teams/ok/1"]
    blocks = [b["text"] for b in card.body["attachments"][0]["content"]["body"]]
    assert blocks == ["Disk full", "x" * 3000, "https://example.com/disk"]
    (discord,) = [r for r in service.accepted if r.path == "/discord/ok/1"]
    assert len(discord.body["content"]) == 2000
    assert discord.body["content"].endswith("…")
    assert discord.body["allowed_mentions"] == {"parse": []}


def test_project_templates_per_type_and_channel(
    service: StandIn,
    member: Any,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
    tmp_path: Path,
) -> None:
    folder = tmp_path / "notifications" / "discord"
    folder.mkdir(parents=True)
    (folder / "alert.txt").write_text("ALERT {{ event.title }} for {{ user.get_username }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [str(tmp_path)]}]
    ann = member("ann")
    stand_ins.user_urls["discord", ann.pk] = f"{service.origin}/discord/ok/1"
    send([ann], django_capture_on_commit_callbacks)
    (discord,) = [r for r in service.accepted if r.path == "/discord/ok/1"]
    assert discord.body["content"] == f"ALERT Disk full for {ann.get_username()}"


def test_a_user_who_turned_slack_off_gets_nothing_there(
    service: StandIn, member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    ann = member("ann")
    stand_ins.members[ann.pk] = "UANN"
    client = client_for(ann)
    prefs = client.get(f"{API}/preferences").json()
    assert prefs["channels"] == [
        "in_app",
        "email",
        "web_push",
        "webhook",
        "slack",
        "teams",
        "discord",
    ][:1] + [c for c in ["email", "webhook", "slack", "teams", "discord"] if c in prefs["channels"]]
    quiet = next(t for t in prefs["types"] if t["name"] == "quiet")
    assert quiet["channels"] == {"in_app": True, "slack": False}
    patched = client.patch(
        f"{API}/preferences", {"types": {"alert": {"slack": False}}}, format="json"
    )
    assert patched.status_code == 200
    send([ann], django_capture_on_commit_callbacks)
    assert (record("slack").status, record("slack").reason) == ("skipped", "disabled")
    assert not [r for r in service.received if r.path == "/api/chat.postMessage"]


# --- failures: each ends in its documented state ----------------------------------------------

#: kind -> (status after the first attempt, retried?, error contains)
FAILURES = {
    "busy": (True, "429"),
    "broken": (True, "500"),
    "flaky": (True, "503"),
    "slow": (True, "deadline"),
    "close": (True, "disconnected"),
    "missing": (False, "404"),
    "gone": (False, "410"),
    "bad": (False, "400"),
}
SLACK_ERRORS = {
    "missing": "user_not_found",
    "gone": "account_inactive",
    "bad": "channel_not_found",
    "broken": "internal_error",
}


def destination(service: StandIn, channel: str, user: Any, kind: str) -> None:
    if channel == "webhook":
        service.kinds[str(user.pk)] = kind
    elif channel == "slack":
        stand_ins.members[user.pk] = f"U{kind}"
        service.kinds[f"U{kind}"] = kind
    else:
        stand_ins.user_urls[channel, user.pk] = service.url(channel, kind, user.pk)


@pytest.mark.parametrize("channel", ["webhook", "slack", "teams", "discord"])
@pytest.mark.parametrize("kind", list(FAILURES))
def test_each_failure_ends_in_its_documented_state(
    service: StandIn,
    member: Any,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
    channel: str,
    kind: str,
) -> None:
    settings.EVENTS = [*CHANNEL_EVENTS, {"name": "alert", "title": "A", "channels": [channel]}]
    sync_event_types()
    ann = member("ann")
    destination(service, channel, ann, kind)
    send([ann], django_capture_on_commit_callbacks)
    first = record(channel)
    retried, named = FAILURES[kind]
    if channel == "slack" and kind in SLACK_ERRORS:
        named = SLACK_ERRORS[kind]  # the Web API answers 200 {"ok": false, "error": ...}
    assert first.status == "failed"
    assert (first.next_attempt_at is not None) is retried
    assert named in first.error
    assert "127.0.0.1" not in first.error  # the destination is named, never its URL
    retry_due(django_capture_on_commit_callbacks)
    after = record(channel)
    if kind in {"flaky", "slow", "close"}:  # the next attempt gets through: once
        assert (after.status, after.attempts) == ("sent", 2)
        assert len(service.accepted) == 1
    elif retried:  # still failing: retried later, never given up early
        assert (after.status, after.attempts) == ("failed", 2)
        assert after.next_attempt_at is not None
    else:  # final: not attempted again
        assert (after.status, after.attempts) == ("failed", 1)
        assert len(service.received) == 1


# --- URL rules: the outbound-request policy, one test per rule ---------------------------------


@pytest.fixture
def production(channel_settings: Any) -> Iterator[Any]:
    """Nothing unsafe allowed, names from the test DNS."""
    channel_settings.EVENTS = EVENTS
    channel_settings.NOTIFICATIONS = {
        **channel_settings.NOTIFICATIONS,
        "OUTBOUND_RESOLVER": "tests.outbound.dns.resolve",
    }
    sync_event_types()
    dns.zone.clear()
    dns.zone["metadata.google.internal"] = ["169.254.169.254"]
    dns.zone["push.example.net"] = ["93.184.216.34"]
    dns.zone["mixed.example.net"] = ["93.184.216.34", "10.1.2.3"]
    yield channel_settings
    dns.zone.clear()


def names(text: str, named: str) -> bool:
    """Whether ``text`` names ``named``: as is, or as the IPv6 address that embeds that IPv4.

    Errors of these channels never repeat the URL (webhook URLs carry secrets), so
    ``[::ffff:127.0.0.1]`` is named by the address the policy found, ``::ffff:7f00:1``.
    """
    if named in text:
        return True
    for token in re.findall(r"[0-9a-f:]*:[0-9a-f:.]+", text):
        try:
            address = ipaddress.IPv6Address(token.rstrip("."))
        except ValueError:
            continue
        embedded = [address.ipv4_mapped, address.sixtofour]
        if int(address) >> 32 == 0:
            embedded.append(ipaddress.IPv4Address(int(address)))
        if named in {str(a) for a in embedded if a is not None}:
            return True
    return False


@pytest.mark.parametrize(("url", "named"), REFUSED)
def test_a_configured_url_the_policy_refuses_is_a_check_error(
    production: Any, url: str, named: str
) -> None:
    production.NOTIFICATIONS = {
        **production.NOTIFICATIONS,
        "WEBHOOK_ENDPOINTS": {"crm": {"url": url, "secret": SECRET}},
        "DISCORD_WEBHOOK_URLS": {"alert": url},
    }
    with pytest.raises(SystemCheckError) as raised:
        call_command("check")
    text = str(raised.value)
    assert text.count("notifications.E040") == 2
    assert "WEBHOOK_ENDPOINTS['crm']['url']" in text
    assert "DISCORD_WEBHOOK_URLS['alert']" in text
    assert names(text, named)


@pytest.mark.parametrize(("url", "named"), REFUSED)
def test_a_users_destination_the_policy_refuses_is_never_connected_to(
    production: Any, member: Any, django_capture_on_commit_callbacks: Any, url: str, named: str
) -> None:
    production.NOTIFICATIONS = {
        **production.NOTIFICATIONS,
        "DISCORD_USER_WEBHOOK_URL": "tests.outbound.stand_ins.discord_webhook",
    }
    ann = member("ann")
    stand_ins.user_urls["discord", ann.pk] = url
    try:
        send([ann], django_capture_on_commit_callbacks)
    finally:
        stand_ins.user_urls.clear()
    delivery = record("discord")
    assert (delivery.status, delivery.next_attempt_at) == ("failed", None)  # final
    assert "refused" in delivery.error
    assert names(delivery.error, named)


@pytest.mark.parametrize("channel", ["webhook", "discord"])
def test_a_name_that_turns_loopback_after_the_check_is_not_connected_to(
    production: Any, member: Any, django_capture_on_commit_callbacks: Any, channel: str
) -> None:
    with listener(answer("204 No Content")) as internal:
        url = f"https://rebind.example.net:{internal.port}/hook"
        dns.zone["rebind.example.net"] = ["93.184.216.34"]
        production.NOTIFICATIONS = {
            **production.NOTIFICATIONS,
            "WEBHOOK_ENDPOINTS": {"crm": {"url": url, "secret": SECRET}},
            "DISCORD_WEBHOOK_URLS": {"*": url},
        }
        call_command("check")  # public now: no error
        dns.zone["rebind.example.net"] = ["127.0.0.1"]
        send([member("ann")], django_capture_on_commit_callbacks)
    assert internal.connections == 0
    delivery = record(channel)
    assert (delivery.status, delivery.next_attempt_at) == ("failed", None)
    assert "loopback address 127.0.0.1" in delivery.error


@pytest.mark.parametrize("channel", ["webhook", "slack", "teams", "discord"])
def test_a_redirect_to_a_private_address_is_not_followed(
    channel_settings: Any, member: Any, django_capture_on_commit_callbacks: Any, channel: str
) -> None:
    with (
        listener(answer("204 No Content")) as metadata,
        listener(
            answer("307 Temporary Redirect", {"Location": f"{metadata.origin}/latest/meta-data/"})
        ) as redirecting,
    ):
        url = f"{redirecting.origin}/hook"
        channel_settings.EVENTS = EVENTS
        channel_settings.NOTIFICATIONS = {
            **channel_settings.NOTIFICATIONS,
            "OUTBOUND_UNSAFE_ALLOW": ["127.0.0.1/32"],
            "WEBHOOK_ENDPOINTS": {"crm": {"url": url, "secret": SECRET}},
            "SLACK_WEBHOOK_URLS": {"*": url},
            "TEAMS_WEBHOOK_URLS": {"*": url},
            "DISCORD_WEBHOOK_URLS": {"*": url},
        }
        sync_event_types()
        send([member("ann")], django_capture_on_commit_callbacks)
    assert metadata.connections == 0
    delivery = record(channel)
    assert (delivery.status, delivery.next_attempt_at) == ("failed", None)
    assert delivery.error.endswith(": 307")


# --- checks -------------------------------------------------------------------------------------


def test_a_webhook_secret_that_cannot_sign_is_a_check_error(channel_settings: Any) -> None:
    channel_settings.NOTIFICATIONS = {
        **channel_settings.NOTIFICATIONS,
        "WEBHOOK_ENDPOINTS": {"crm": {"url": "https://93.184.216.34/h", "secret": "whsec_!!"}},
    }
    with pytest.raises(SystemCheckError, match=r"notifications\.E041.*'crm'"):
        call_command("check")


def test_a_phone_or_member_hook_that_does_not_import_is_a_check_error(
    channel_settings: Any,
) -> None:
    channel_settings.NOTIFICATIONS = {
        **channel_settings.NOTIFICATIONS,
        "SLACK_USER_ID": "tests.outbound.stand_ins.nowhere",
    }
    with pytest.raises(SystemCheckError, match=r"notifications\.E006.*SLACK_USER_ID"):
        call_command("check")


def test_an_offered_channel_without_settings_warns_and_is_hidden(
    channel_settings: Any, member: Any
) -> None:
    channel_settings.EVENTS = EVENTS
    sync_event_types()
    from django.core import checks

    found = {m.id for m in checks.run_checks() if m.id == "notifications.W040"}
    assert found == {"notifications.W040"}
    warnings = [m.msg for m in checks.run_checks() if m.id == "notifications.W040"]
    assert len(warnings) == 4  # webhook, slack, teams, discord: nothing configured
    prefs = client_for(member("ann")).get(f"{API}/preferences").json()
    assert not {"webhook", "slack", "teams", "discord"} & set(prefs["channels"])


def test_signatures_verify_with_the_library(service: StandIn) -> None:
    """The stand-in's verification is the library's: a tampered body fails."""
    import datetime

    from notifications.outbound.webhooks import signed_headers

    now = datetime.datetime.now(tz=datetime.UTC)
    headers = signed_headers(SECRET, "msg_1", now, b'{"a":1}')
    assert Webhook(SECRET).verify(b'{"a":1}', headers) == {"a": 1}
    with pytest.raises(Exception, match="signature"):
        Webhook(SECRET).verify(b'{"a":2}', headers)
