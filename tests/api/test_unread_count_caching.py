"""``GET unread-count`` revalidates: an ETag, ``If-None-Match`` -> 304, private no-cache."""

from __future__ import annotations

import pytest

COUNT = "/api/notifications/unread-count"


@pytest.fixture
def two(ann, send):
    send([ann], title="one")
    send([ann], title="two")


def test_answer_carries_an_etag_and_private_no_cache(ann_client, two):
    response = ann_client.get(COUNT)

    assert response.status_code == 200
    assert response.json() == {"unread": 2, "unseen": 2}
    assert response["ETag"] == '"unread-2-unseen-2"'
    assert response["Cache-Control"] == "private, no-cache"


def test_matching_if_none_match_answers_304_without_a_body(ann_client, two):
    etag = ann_client.get(COUNT)["ETag"]

    response = ann_client.get(COUNT, headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    assert response["Cache-Control"] == "private, no-cache"


def test_a_new_notification_changes_the_etag(ann, ann_client, send, two):
    etag = ann_client.get(COUNT)["ETag"]
    send([ann], title="three")

    response = ann_client.get(COUNT, headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert response.json() == {"unread": 3, "unseen": 3}
    assert response["ETag"] == '"unread-3-unseen-3"'


def test_reading_one_changes_the_etag(urls, ann, ann_client, two):
    etag = ann_client.get(COUNT)["ETag"]
    newest = ann_client.get(urls.list).json()["results"][0]["id"]
    ann_client.patch(urls.detail(newest))

    response = ann_client.get(COUNT, headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert response.json() == {"unread": 1, "unseen": 1}  # read is seen too


def test_a_stale_or_foreign_etag_gets_the_full_answer(ann_client, two):
    response = ann_client.get(COUNT, headers={"If-None-Match": '"unread-7", W/"other"'})

    assert response.status_code == 200
    assert response.json() == {"unread": 2, "unseen": 2}


def test_a_weak_form_of_the_etag_matches_too(ann_client, two):
    response = ann_client.get(COUNT, headers={"If-None-Match": 'W/"unread-2-unseen-2"'})

    assert response.status_code == 304


def test_the_etag_is_no_way_around_authentication(client, two):
    response = client.get(COUNT, headers={"If-None-Match": '"unread-2-unseen-2"'})

    assert response.status_code == 403
