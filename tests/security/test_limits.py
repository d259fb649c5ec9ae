"""Limits: MAX_BODY_BYTES (413, read once and bounded), MAX_BATCH_IDS (400), MAX_PAGE_SIZE."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from rest_framework.exceptions import ParseError

from notifications.api.parsers import BoundedJSONParser, RequestTooLarge
from notifications.helpers import send_notification
from notifications.models import Notification
from tests.support import FORMS, Form, client_for, snapshot

LIMIT = 1024


class CountingStream(io.BytesIO):
    """A request body that counts the bytes read from it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


class FakeRequest:
    def __init__(self, content_length: str | None) -> None:
        self.META = {} if content_length is None else {"CONTENT_LENGTH": content_length}


@pytest.fixture
def small_limits(settings: Any) -> None:
    settings.NOTIFICATIONS = {"MAX_BODY_BYTES": LIMIT, "MAX_BATCH_IDS": 5, "MAX_PAGE_SIZE": 2}


@pytest.fixture
def mine(ann: Any) -> list[int]:
    for title in ("one", "two", "three"):
        send_notification(type="post_like", title=title, users=[ann])
    return list(Notification.objects.filter(user=ann).values_list("pk", flat=True))


@pytest.mark.usefixtures("small_limits")
def test_parser_reads_at_most_limit_plus_one_byte_once() -> None:
    stream = CountingStream(b"[" + b"1," * 100_000 + b"1]")

    with pytest.raises(RequestTooLarge):
        BoundedJSONParser().parse(stream, parser_context={"request": FakeRequest(None)})

    assert stream.bytes_read == LIMIT + 1


@pytest.mark.usefixtures("small_limits")
def test_parser_refuses_a_declared_length_without_reading() -> None:
    stream = CountingStream(b"[1]" + b" " * 5000)

    with pytest.raises(RequestTooLarge):
        BoundedJSONParser().parse(stream, parser_context={"request": FakeRequest("5003")})

    assert stream.bytes_read == 0


@pytest.mark.usefixtures("small_limits")
def test_parser_accepts_a_body_of_exactly_the_limit() -> None:
    body = json.dumps([1] * 300).encode()
    body += b" " * (LIMIT - len(body))
    stream = CountingStream(body)

    assert BoundedJSONParser().parse(stream, parser_context={}) == [1] * 300
    assert stream.bytes_read == LIMIT


@pytest.mark.parametrize("body", [b"[" * 50_000, b"\xff\xfe", b"NaN", b"[1,]"])
def test_parser_turns_bad_json_into_a_parse_error(body: bytes) -> None:
    with pytest.raises(ParseError):
        BoundedJSONParser().parse(io.BytesIO(body), parser_context={})


@pytest.mark.usefixtures("small_limits")
@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.name)
def test_oversized_bodies_are_413_and_change_nothing(form: Form, ann: Any, mine: list[int]) -> None:
    client = client_for(ann)
    padding = " " * LIMIT
    before = snapshot()
    for path, body in [
        (form.list, json.dumps(mine[:1]) + padding),
        (form.detail(mine[0]), '{"readed": true}' + padding),
        (form.filter, '{"event_types": []}' + padding),
    ]:
        response = client.patch(path, body, content_type="application/json")
        assert response.status_code == 413, (path, response.content)
        assert str(LIMIT) in response.json()["detail"]
    assert snapshot() == before


@pytest.mark.usefixtures("small_limits")
@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.name)
def test_batch_larger_than_max_batch_ids_is_a_400(form: Form, ann: Any, mine: list[int]) -> None:
    client = client_for(ann)
    before = snapshot()

    too_many = client.patch(form.list, [*mine, 10**6, 10**6 + 1, 10**6 + 2], format="json")
    assert too_many.status_code == 400
    assert "ids" in too_many.json()
    assert snapshot() == before

    just_enough = client.patch(form.list, [*mine, 10**6, 10**6 + 1], format="json")
    assert just_enough.status_code == 200
    assert len(just_enough.json()) == 3


@pytest.mark.usefixtures("small_limits")
@pytest.mark.parametrize("form", FORMS, ids=lambda form: form.name)
def test_limit_is_capped_by_max_page_size(form: Form, ann: Any, mine: list[int]) -> None:
    page = client_for(ann).get(form.list, {"limit": 1000}).json()

    assert page["count"] == 3
    assert len(page["results"]) == 2
    assert page["next"] is not None
