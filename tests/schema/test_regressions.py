"""Bugs the schema work and schemathesis found, each pinned by a test (both URL forms)."""

from __future__ import annotations

from typing import Any

import pytest

from notifications.helpers import send_notification
from notifications.models import Notification
from tests.support import client_for

BASES = ["/notifications", "/api/notifications/"]


@pytest.fixture
def mine(ann: Any) -> list[int]:
    send_notification(type="post_like", title="one", users=[ann])
    send_notification(type="post_comment", title="two", users=[ann])
    return list(Notification.objects.filter(user=ann).order_by("pk").values_list("pk", flat=True))


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize("body", ["null", "false", "0", "[]", '""'])
def test_detail_patch_body_that_is_not_an_object_is_a_400(
    ann: Any, mine: list[int], base: str, body: str
) -> None:
    """It used to mark read: a falsy body was taken for "no body"."""
    response = client_for(ann).patch(f"{base}{mine[0]}", body, content_type="application/json")

    assert response.status_code == 400, response.content
    assert Notification.objects.get(pk=mine[0]).readed is None


@pytest.mark.parametrize("base", BASES)
def test_detail_patch_without_body_or_with_empty_object_marks_read(
    ann: Any, mine: list[int], base: str
) -> None:
    client = client_for(ann)
    assert client.patch(f"{base}{mine[0]}").status_code == 200
    assert client.patch(f"{base}{mine[1]}", {}, format="json").status_code == 200
    assert Notification.objects.filter(pk__in=mine, readed__isnull=True).count() == 0


@pytest.mark.parametrize("base", BASES)
@pytest.mark.parametrize(
    "query", ["after_id=1&after_id=", "readed=true&readed=false", "type=a&type=post_like"]
)
def test_list_parameter_given_twice_is_a_400(
    ann: Any, mine: list[int], base: str, query: str
) -> None:
    """It used to be "last one wins": after_id=x&after_id= silently listed everything."""
    response = client_for(ann).get(f"{base}?{query}")

    assert response.status_code == 400
    assert set(response.json()) == {query.split("=")[0]}


def test_read_all_type_with_a_nul_character_is_a_400(ann: Any, mine: list[int]) -> None:
    """PostgreSQL refuses NUL in strings: this was a 500 on the services leg."""
    response = client_for(ann).post("/api/notifications/read-all?type=post_like%00")

    assert response.status_code == 400
    assert "type" in response.json()
    assert Notification.objects.filter(pk__in=mine, readed__isnull=True).count() == 2


@pytest.mark.parametrize("base", BASES)
def test_list_type_with_a_nul_character_is_a_400(ann: Any, mine: list[int], base: str) -> None:
    assert client_for(ann).get(f"{base}?type=post_like%00").status_code == 400


@pytest.mark.parametrize("base", BASES)
def test_filter_patch_without_event_types_is_a_400(ann: Any, base: str) -> None:
    client = client_for(ann)
    response = client.patch(f"{base.rstrip('/')}/filter", {}, format="json")

    assert response.status_code == 400
    assert "event_types" in response.json()
