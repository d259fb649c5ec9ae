"""A user's data on request (GDPR articles 15 and 17): export and erasure.

Through the functions (``notifications.personal_data``) and the management commands
(``export_notifications_data``, ``erase_notifications_data``), on each leg's database.
"""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from notifications.models import (
    ChannelPreference,
    Delivery,
    Device,
    DigestState,
    Event,
    EventType,
    ExcludedEventType,
    Notification,
    PushSubscription,
)
from notifications.personal_data import Erased, erase_user_data, export_user_data
from notifications.services import set_received_types

pytestmark = pytest.mark.django_db


def login(user: Any) -> str:
    return str(user.get_username())


@pytest.fixture
def holdings(ann: Any, bob: Any, make_user: Any, send: Any) -> dict[str, Any]:
    """Everything the package can hold about ann, and the same kinds for bob."""
    carl = make_user("carl")
    for user in (ann, bob):
        send([user], title=f"for {login(user)}")
        PushSubscription.objects.create(
            user=user, endpoint=f"https://push.example/{user.pk}", p256dh="key", auth="secret"
        )
        Device.objects.create(user=user, token=f"device-secret-{user.pk}", platform="ios")
        like = EventType.objects.get(name="post_like")
        ChannelPreference.objects.create(user=user, event_type=like, channel="email", enabled=False)
        DigestState.objects.create(user=user, event_type=like, last_sent_at=timezone.now())
        Delivery.objects.create(
            notification=Notification.objects.get(user=user), channel="email", status="sent"
        )
    set_received_types(ann, ["post_like"])  # ann turned post_comment off
    set_received_types(bob, ["post_like"])
    # ann and then carl liked bob's post: bob's grouped row names both.
    liked = send([bob], title="liked", group="post-1", author=ann)
    send([bob], title="liked", group="post-1", author=carl)
    return {"carl": carl, "authored": liked}


def test_the_export_holds_everything_about_the_user_and_nothing_of_others(
    ann: Any, bob: Any, holdings: dict[str, Any]
) -> None:
    data = export_user_data(ann)

    json.dumps(data)  # JSON as it is
    assert data["user"] == {"id": ann.pk, "name": login(ann)}
    assert [n["event"]["title"] for n in data["notifications"]] == [f"for {login(ann)}"]
    assert {n["user"] for n in data["notifications"]} == {ann.pk}
    assert [(d["channel"], d["status"]) for d in data["deliveries"]] == [("email", "sent")]
    assert data["filter"] == {"excluded_event_types": ["post_comment"]}
    assert data["preferences"] == [
        {"event_type": "post_like", "channel": "email", "enabled": False}
    ]
    assert [s["endpoint"] for s in data["push_subscriptions"]] == [f"https://push.example/{ann.pk}"]
    assert "secret" not in json.dumps(data["push_subscriptions"])  # the browser's keys stay out
    assert [d["platform"] for d in data["devices"]] == ["ios"]
    assert "secret" not in json.dumps(data["devices"])  # the FCM token is a credential
    assert [d["event_type"] for d in data["digests"]] == ["post_like"]
    assert [e["id"] for e in data["authored_events"]] == [holdings["authored"].pk]


def test_the_export_command_prints_the_same_json(ann: Any, holdings: dict[str, Any]) -> None:
    out = StringIO()

    call_command("export_notifications_data", login(ann), stdout=out)

    printed = json.loads(out.getvalue())
    expected = export_user_data(ann)
    printed.pop("exported_at"), expected.pop("exported_at")
    assert printed == expected


def test_the_export_command_writes_a_file_and_takes_an_id(
    ann: Any, holdings: dict[str, Any], tmp_path: Path
) -> None:
    target = tmp_path / "ann.json"

    call_command("export_notifications_data", str(ann.pk), "--output", str(target))

    assert json.loads(target.read_text(encoding="utf-8"))["user"]["id"] == ann.pk


def test_an_unknown_user_is_a_clear_command_error(db: Any) -> None:
    with pytest.raises(CommandError, match="No such user: nobody"):
        call_command("export_notifications_data", "nobody")
    with pytest.raises(CommandError, match="No such user: nobody"):
        call_command("erase_notifications_data", "nobody", "--no-input")


def test_erasure_removes_the_user_s_data_and_keeps_everyone_else_s(
    ann: Any, bob: Any, holdings: dict[str, Any]
) -> None:
    bobs_before = export_user_data(bob)

    erased = erase_user_data(ann)

    assert erased == Erased(
        notifications=1,
        deliveries=1,
        excluded_event_types=1,
        preferences=1,
        push_subscriptions=1,
        digests=1,
        authored_events=1,
        authors_scrubbed=1,
        devices=1,
    )
    after = export_user_data(ann)
    kinds = ("notifications", "deliveries", "preferences", "push_subscriptions", "devices")
    for kind in (*kinds, "digests"):
        assert after[kind] == [], kind
    assert after["filter"] == {"excluded_event_types": []}
    assert after["authored_events"] == []
    # The event ann authored stays for bob, without its author; bob's grouped row
    # no longer names her, and nothing else of bob's changed.
    assert Event.objects.get(pk=holdings["authored"].pk).author_id is None
    grouped = Notification.objects.get(user=bob, group="post-1")
    assert [a["id"] for a in grouped.authors] == [holdings["carl"].pk]
    bobs_after = export_user_data(bob)
    for kind in ("deliveries", "filter", "preferences", "push_subscriptions", "devices", "digests"):
        assert bobs_after[kind] == bobs_before[kind], kind
    assert len(bobs_after["notifications"]) == len(bobs_before["notifications"])
    assert ExcludedEventType.objects.filter(user=bob).count() == 1


def test_the_erase_command_asks_first_and_erases_with_no_input(
    ann: Any, holdings: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="cancelled"):
        call_command("erase_notifications_data", login(ann))
    assert Notification.objects.filter(user=ann).exists()

    out = StringIO()
    call_command("erase_notifications_data", login(ann), "--no-input", stdout=out)

    assert "1 notifications" in out.getvalue()
    assert not Notification.objects.filter(user=ann).exists()
    assert not PushSubscription.objects.filter(user=ann).exists()
    assert ann.__class__._default_manager.filter(pk=ann.pk).exists()  # the account stays
