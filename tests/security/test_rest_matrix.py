"""Every endpoint and method, both URL forms: anonymous, owner, another user."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from notifications.helpers import send_notification
from notifications.models import ExcludedEventType, Notification
from tests.support import FORMS, READ_ALL, UNREAD_COUNT, Call, Form, calls, client_for, snapshot

pytestmark = pytest.mark.parametrize("form", FORMS, ids=lambda form: form.name)


@pytest.fixture
def anns(ann: Any, bob: Any) -> list[int]:
    """Two notifications of ann (one also sent to bob)."""
    send_notification(type="post_like", title="for ann", users=[ann])
    send_notification(type="post_comment", title="for both", users=[ann, bob])
    rows = Notification.objects.filter(user=ann).order_by("pk")
    return list(rows.values_list("pk", flat=True))


def _missing_id() -> int:
    return (Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1000


@pytest.mark.parametrize(
    "credentials",
    [{}, {"HTTP_AUTHORIZATION": "Token not-a-token"}, {"HTTP_AUTHORIZATION": "Bearer x"}],
    ids=["none", "bad-token", "other-scheme"],
)
def test_anonymous_gets_403_and_changes_nothing(
    form: Form, anns: list[int], credentials: dict[str, str]
) -> None:
    before = snapshot()
    for call in calls(form, anns[0]):
        response = call.send(APIClient(), **credentials)
        # Session authentication comes first in tests/settings.py: 403 (docs/api.md).
        assert response.status_code == 403, (call, response.status_code)
        assert "detail" in response.json()
    assert snapshot() == before


def test_owner_can_do_everything(form: Form, ann: Any, anns: list[int]) -> None:
    client = client_for(ann)
    expected = {"GET": 200, "PATCH": 200, "POST": 200, "DELETE": 204}
    for call in calls(form, anns[0]):
        response = call.send(client)
        assert response.status_code == expected[call.method], (call, response.content)
    assert not Notification.objects.filter(pk=anns[0]).exists()  # the DELETE went through
    assert ExcludedEventType.objects.filter(user=ann).count() == 2  # the filter PATCH too


def _same_answer(first: Any, second: Any) -> None:
    assert first.status_code == second.status_code == 404
    assert first.content == second.content
    assert first["Content-Type"] == second["Content-Type"]


def test_another_users_id_answers_exactly_like_a_missing_one(
    form: Form, bob: Any, anns: list[int]
) -> None:
    client = client_for(bob)
    missing = _missing_id()
    before = snapshot()
    for method, body in [
        ("GET", None),
        ("PATCH", None),
        ("PATCH", {"readed": None}),
        ("DELETE", None),
    ]:
        theirs = Call(method, form.detail(anns[0]), body).send(client)
        absent = Call(method, form.detail(missing), body).send(client)
        _same_answer(theirs, absent)
    assert snapshot() == before


def test_another_user_cannot_touch_anns_notifications_anywhere(
    form: Form, ann: Any, bob: Any, anns: list[int]
) -> None:
    Notification.objects.filter(pk=anns[1]).update(readed="2026-01-01T00:00:00Z")
    client = client_for(bob)
    anns_rows = Notification.objects.filter(user=ann)
    before = sorted(anns_rows.values_list("pk", "readed"))

    batch = client.patch(form.list, anns, format="json")
    assert batch.status_code == 200
    assert batch.json() == []
    listed = [row["id"] for row in client.get(form.list).json()["results"]]
    assert not set(listed) & set(anns)
    assert client.get(f"{form.list}?after_id=0").status_code == 200
    assert client.patch(form.filter, {"event_types": []}, format="json").status_code == 200
    if form.additions:
        assert client.post(READ_ALL).status_code == 200
        assert client.get(UNREAD_COUNT).json() == {"unread": 0}

    assert sorted(anns_rows.values_list("pk", "readed")) == before
    assert not ExcludedEventType.objects.filter(user=ann).exists()
    assert client_for(ann).get(form.detail(anns[0])).status_code == 200
