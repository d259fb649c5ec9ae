"""``?cursor=``: keyset pages of the list, followed in both directions, never counted."""

from __future__ import annotations

import base64

import pytest

from notifications.api.pagination import DEFERRED_JOIN_OFFSET
from notifications.models import Event, EventType, Notification
from tests.support import ids_of


@pytest.fixture
def seven(ann, bob, send):
    """Seven notifications of ann's (and as many of bob's, which must never show)."""
    for index in range(7):
        send([ann, bob], title=f"n{index}")
    return ids_of(ann)


def titles(body):
    return [row["event"]["title"] for row in body["results"]]


def test_first_page_has_no_count_and_a_next_link(urls, ann_client, seven):
    body = ann_client.get(urls.list, {"cursor": "", "limit": 3}).json()

    assert set(body) == {"next", "previous", "results"}
    assert titles(body) == ["n6", "n5", "n4"]
    assert body["previous"] is None
    assert "cursor=" in body["next"]
    assert "limit=3" in body["next"]


def test_next_links_walk_every_row_once_newest_first(urls, ann_client, seven):
    seen = []
    url = f"{urls.list}?cursor=&limit=3"
    while url:
        body = ann_client.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]

    assert seen == seven


def test_previous_link_leads_back_to_the_page_before(urls, ann_client, seven):
    first = ann_client.get(urls.list, {"cursor": "", "limit": 3}).json()
    second = ann_client.get(first["next"]).json()
    back = ann_client.get(second["previous"]).json()

    assert titles(second) == ["n3", "n2", "n1"]
    assert titles(back) == ["n6", "n5", "n4"]
    assert back["previous"] is None


def test_rows_that_arrive_meanwhile_do_not_shift_the_pages(urls, ann, ann_client, send, seven):
    first = ann_client.get(urls.list, {"cursor": "", "limit": 3}).json()
    send([ann], title="late")

    second = ann_client.get(first["next"]).json()

    assert titles(second) == ["n3", "n2", "n1"]


def test_filters_apply_to_cursor_pages(urls, ann_client, seven):
    ann_client.patch(urls.detail(seven[0]))

    body = ann_client.get(urls.list, {"cursor": "", "limit": 10, "readed": "false"}).json()

    assert [row["id"] for row in body["results"]] == seven[1:]


def test_with_after_id_cursor_pages_run_oldest_first(urls, ann_client, seven):
    oldest_first = list(reversed(seven))
    body = ann_client.get(urls.list, {"cursor": "", "limit": 2, "after_id": oldest_first[1]}).json()
    following = ann_client.get(body["next"]).json()

    assert [row["id"] for row in body["results"]] == oldest_first[2:4]
    assert [row["id"] for row in following["results"]] == oldest_first[4:6]


def encoded(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    ["not base64!", encoded("p=abc"), encoded("p=-5"), encoded(f"p={2**63}"), encoded("r=x")],
    ids=["garbage", "word", "negative", "beyond-64-bit", "bad-direction"],
)
def test_a_malformed_cursor_is_a_400_naming_it(urls, ann_client, seven, cursor):
    response = ann_client.get(urls.list, {"cursor": cursor})

    assert response.status_code == 400
    assert response.json() == {"cursor": ["Invalid cursor."]}


def test_cursor_and_offset_together_are_a_400(urls, ann_client, seven):
    response = ann_client.get(urls.list, {"cursor": "", "offset": 2})

    assert response.status_code == 400
    assert response.json() == {"cursor": ["Give either cursor or offset, not both."]}


def test_without_cursor_the_envelope_is_limit_offset(urls, ann_client, seven):
    body = ann_client.get(urls.list, {"limit": 3}).json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 7


def test_a_cursor_page_costs_one_query_after_authentication(
    urls, ann_client, seven, django_assert_num_queries
):
    ann_client.get(urls.list, {"cursor": ""})  # the session is loaded and cached after this
    with django_assert_num_queries(3):  # session, user, the page (no count)
        ann_client.get(urls.list, {"cursor": "", "limit": 3})


def test_deep_offsets_answer_the_same_rows(urls, ann, ann_client):
    post_like = EventType.objects.get(name="post_like")
    events = Event.objects.bulk_create(
        Event(type=post_like, title=f"n{index}") for index in range(DEFERRED_JOIN_OFFSET + 3)
    )
    Notification.objects.bulk_create(Notification(user=ann, event=event) for event in events)

    body = ann_client.get(urls.list, {"limit": 2, "offset": DEFERRED_JOIN_OFFSET}).json()

    assert body["count"] == DEFERRED_JOIN_OFFSET + 3
    assert titles(body) == ["n2", "n1"]
    assert [row["id"] for row in body["results"]] == ids_of(ann)[DEFERRED_JOIN_OFFSET:][:2]
