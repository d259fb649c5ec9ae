"""The preferences endpoint: per type and channel; its in_app switch is the seed's filter."""

from __future__ import annotations

from typing import Any

import pytest

from notifications.models import ChannelPreference
from tests.conftest import client_for
from tests.outbound.conftest import API

pytestmark = pytest.mark.usefixtures("channel_settings")


def body(client: Any) -> Any:
    response = client.get(f"{API}/preferences")
    assert response.status_code == 200
    return response.json()


def test_defaults_come_from_events(member: Any) -> None:
    client = client_for(member("ann"))
    assert body(client) == {
        "channels": ["in_app", "email"],  # Web Push is off here (no VAPID key)
        "types": [
            {
                "name": "post_like",
                "title": "Post liking",
                "channels": {"in_app": True, "email": True},
                "required": [],
            },
            {
                "name": "post_comment",
                "title": "Post commenting",
                "channels": {"in_app": True},
                "required": [],
            },
            {
                "name": "weekly",
                "title": "Weekly news",
                "channels": {"in_app": True, "email": True},
                "required": [],
            },
            {
                "name": "mention",
                "title": "Mentions",
                "channels": {"in_app": True, "email": False},
                "required": [],
            },
        ],
    }


def test_web_push_appears_when_configured(member: Any, web_push_settings: Any) -> None:
    data = body(client_for(member("ann")))
    assert data["channels"] == ["in_app", "email", "web_push"]
    assert data["types"][0]["channels"] == {"in_app": True, "email": True, "web_push": True}
    assert data["types"][3]["channels"] == {"in_app": True, "email": False, "web_push": True}


def test_patch_is_partial_and_per_user(member: Any) -> None:
    ann, bob = client_for(member("ann")), client_for(member("bob"))
    response = ann.patch(
        f"{API}/preferences",
        {"types": {"post_like": {"email": False}, "mention": {"email": True}}},
        format="json",
    )
    assert response.status_code == 200
    channels = {t["name"]: t["channels"] for t in response.json()["types"]}
    assert channels["post_like"] == {"in_app": True, "email": False}
    assert channels["mention"] == {"in_app": True, "email": True}
    assert channels["weekly"] == {"in_app": True, "email": True}
    assert body(ann)["types"] == response.json()["types"]
    assert {t["name"]: t["channels"] for t in body(bob)["types"]}["post_like"]["email"] is True


def test_in_app_switch_is_the_filter(member: Any) -> None:
    client = client_for(member("ann"))
    response = client.patch(
        f"{API}/preferences", {"types": {"post_comment": {"in_app": False}}}, format="json"
    )
    assert response.status_code == 200
    assert client.get(f"{API}/filter").json() == {"event_types": ["post_like", "weekly", "mention"]}
    assert client.get("/notifications/filter").json() == {
        "event_types": ["post_like", "weekly", "mention"]
    }
    client.patch(f"{API}/filter", {"event_types": ["post_comment"]}, format="json")
    states = {t["name"]: t["channels"]["in_app"] for t in body(client)["types"]}
    assert states == {"post_like": False, "post_comment": True, "weekly": False, "mention": False}
    assert not ChannelPreference.objects.exists()  # in_app lives in the filter only


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"types": {"nope": {"email": False}}}, "nope"),
        ({"types": {"post_comment": {"email": True}}}, "post_comment"),  # not offered
        ({"types": {"post_like": {"web_push": True}}}, "post_like"),  # not configured here
    ],
)
def test_unknown_type_or_channel_is_a_400_naming_it(member: Any, payload: Any, field: str) -> None:
    client = client_for(member("ann"))
    response = client.patch(f"{API}/preferences", payload, format="json")
    assert response.status_code == 400
    assert list(response.json()["types"]) == [field]
    assert not ChannelPreference.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"types": []},
        {"types": {"post_like": {"email": "no"}}},
        {"types": {"post_like": {"email": 0}}},
        {"types": {"post_like": ["email"]}},
        [],
    ],
)
def test_malformed_bodies_are_400(member: Any, payload: Any) -> None:
    client = client_for(member("ann"))
    response = client.patch(f"{API}/preferences", payload, format="json")
    assert response.status_code == 400
    assert isinstance(response.json(), dict)
    assert not ChannelPreference.objects.exists()


def test_a_bad_switch_writes_nothing(member: Any) -> None:
    client = client_for(member("ann"))
    response = client.patch(
        f"{API}/preferences",
        {"types": {"post_like": {"email": False}, "post_comment": {"email": True}}},
        format="json",
    )
    assert response.status_code == 400
    assert {t["name"]: t["channels"] for t in body(client)["types"]}["post_like"]["email"] is True


def test_anonymous_is_refused(client: Any) -> None:
    assert client.get(f"{API}/preferences").status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        '{"types": {"\\udc00": {"email": false}}}',
        '{"types": {"post_like": {"\\ud800": false}}}',
        '{"types": {"\\udc00": {"email": "no"}}}',
        '{"types": {"post\\u0000like": {"email": false}}}',
    ],
)
def test_unencodable_names_are_a_400_not_a_500(member: Any, body: str) -> None:
    response = client_for(member("ann")).patch(
        f"{API}/preferences", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["types"]
