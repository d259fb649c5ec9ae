"""Text the database cannot store is the package's validation error, on every database.

PostgreSQL refuses NUL characters (text and jsonb) and lone surrogates;
SQLite stores both. Before the fix, PostgreSQL raised ``DataError`` from
inside the transaction and SQLite saved the rows, and deeply nested data
raised ``RecursionError``. Now ``send_notification`` raises
``InvalidNotification`` before any write, on both.
"""

from __future__ import annotations

from typing import Any

import pytest

from notifications.exceptions import InvalidNotification, NotificationsError
from notifications.helpers import send_notification
from notifications.models import Event, Notification
from notifications.validation import MAX_DATA_DEPTH, check_storable
from tests.conftest import client_for


def nested(depth: int) -> Any:
    """``depth`` containers, lists and dicts in turn, around a number."""
    value: Any = 1
    for level in range(depth):
        value = {"a": value} if level % 2 else [value]
    return value


BAD = {
    "NUL in type": {"type": "post_like\x00"},
    "NUL in title": {"title": "a\x00b"},
    "NUL in message": {"message": "a\x00b"},
    "NUL in key": {"key": "k\x00"},
    "NUL in a data value": {"data": {"a": "\x00"}},
    "NUL in a data key": {"data": {"\x00": 1}},
    "surrogate as data": {"data": "\ud800"},
    "surrogate in title": {"title": "\udfff"},
    "surrogate in message": {"message": "x\ud83d"},
    "surrogate in key": {"key": "\ud800"},
    "surrogate deep in data": {"data": {"a": [{"b": ["ok", {"c": "\ud800"}]}]}},
    "surrogate in a nested key": {"data": [{"ok": {"\udc00": 1}}]},
    "data one level too deep": {"data": nested(MAX_DATA_DEPTH + 1)},
    "data nested 100,000 deep": {"data": nested(100_000)},
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_unstorable_text_raises_before_any_write(case: str, ann: Any, outbox: list[Any]) -> None:
    arguments = {"type": "post_like", "title": "ok", "users": [ann], **BAD[case]}

    with pytest.raises(InvalidNotification) as raised:
        send_notification(**arguments)

    assert isinstance(raised.value, NotificationsError)
    assert Event.objects.count() == 0
    assert Notification.objects.count() == 0
    assert outbox == []


@pytest.mark.django_db
def test_the_message_names_the_argument_and_the_character() -> None:
    with pytest.raises(InvalidNotification, match=r"a key of data contains a NUL character"):
        check_storable({"x": {"\x00": 1}}, "data")
    with pytest.raises(InvalidNotification, match=r"title contains a lone surrogate \(U\+D800\)"):
        check_storable("\ud800", "title")


@pytest.mark.django_db
def test_what_every_database_stores_still_goes_through(ann: Any) -> None:
    megabyte = "é" * 1_000_000
    data = {"deep": nested(MAX_DATA_DEPTH - 1), "emoji": "\U0001f600", "text": megabyte}

    event = send_notification(
        type="post_like", title="\U0001f600 ok", message=megabyte, data=data, users=[ann]
    )

    stored = Event.objects.get(pk=event.pk)
    assert stored.message == megabyte
    assert stored.data == data
    assert event.notifications_count == 1
    page = client_for(ann).get("/notifications")
    assert page.status_code == 200
    assert page.json()["results"][0]["event"]["data"] == data


@pytest.mark.django_db
def test_read_all_with_a_nul_in_type_is_a_400_naming_type(ann: Any) -> None:
    response = client_for(ann).post("/api/notifications/read-all?type=post_like%00")

    assert response.status_code == 400
    assert response.json() == {"type": ["Null characters are not allowed."]}  # DRF's field
