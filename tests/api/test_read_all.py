"""``POST read-all`` (optionally ``?type=a,b``): one statement, one frame, immediate effect."""

from __future__ import annotations

from rest_framework.test import APIClient

from notifications.models import Notification
from notifications.testing import pushes_for
from tests.support import FRAME_KEYS, INCLUDE, ISO_UTC, READ_ALL, UNREAD_COUNT


def unread_titles(client):
    body = client.get(INCLUDE.list, {"readed": "false", "limit": 1000}).json()
    return sorted(row["event"]["title"] for row in body["results"])


def test_marks_every_unread_one_and_answers_the_counts(ann, bob, ann_client, send):
    for title in ["a", "b", "c"]:
        send([ann, bob], title=title)
    first = Notification.objects.filter(user=ann).order_by("pk").first()
    ann_client.patch(INCLUDE.detail(first.pk))

    response = ann_client.post(READ_ALL)

    assert response.status_code == 200
    assert response.json() == {"updated": 2, "unread": 0}
    assert unread_titles(ann_client) == []
    assert ann_client.get(UNREAD_COUNT).json() == {"unread": 0, "unseen": 0}
    assert Notification.objects.filter(user=bob, readed__isnull=True).count() == 3


def test_keeps_the_first_read_time(ann, ann_client, send):
    send([ann])
    row = Notification.objects.get(user=ann)
    first_read = ann_client.patch(INCLUDE.detail(row.pk)).json()["readed"]

    assert ann_client.post(READ_ALL).json() == {"updated": 0, "unread": 0}
    assert ann_client.get(INCLUDE.detail(row.pk)).json()["readed"] == first_read


def test_type_parameter_limits_it_to_those_types(ann, ann_client, send):
    send([ann], type="post_like", title="like")
    send([ann], type="post_comment", title="comment")

    response = ann_client.post(f"{READ_ALL}?type=post_comment")

    assert response.json() == {"updated": 1, "unread": 1}
    assert unread_titles(ann_client) == ["like"]


def test_type_parameter_takes_a_comma_separated_list(ann, ann_client, send):
    send([ann], type="post_like")
    send([ann], type="post_comment")

    assert ann_client.post(f"{READ_ALL}?type=post_like,post_comment").json() == {
        "updated": 2,
        "unread": 0,
    }


def test_unknown_type_names_match_nothing(ann, ann_client, send):
    send([ann])

    assert ann_client.post(f"{READ_ALL}?type=nope").json() == {"updated": 0, "unread": 1}


def test_empty_type_parameter_means_every_type(ann, ann_client, send):
    send([ann], type="post_like")
    send([ann], type="post_comment")

    assert ann_client.post(f"{READ_ALL}?type=").json() == {"updated": 2, "unread": 0}


def test_a_constant_number_of_statements(ann, send, django_assert_max_num_queries):
    client = APIClient()
    client.force_authenticate(ann)  # only the view's own queries are counted
    send([ann])
    # The UPDATE, savepoints, and the database bus's push: unread count, INSERT (+ NOTIFY).
    with django_assert_max_num_queries(8) as few:
        assert client.post(READ_ALL).json()["updated"] == 1
    for _ in range(200):
        send([ann])
    with django_assert_max_num_queries(8) as many:
        assert client.post(READ_ALL).json()["updated"] == 200

    assert len(many) == len(few)
    assert sum("UPDATE" in q["sql"].upper() for q in many.captured_queries) == 1


def test_one_readed_all_frame_not_one_per_notification(
    ann, bob, ann_client, send, outbox, committed
):
    for _ in range(5):
        send([ann, bob])
    send([ann], type="post_comment")
    outbox.clear()

    with committed():
        ann_client.post(f"{READ_ALL}?type=post_like")

    (frame,) = pushes_for(ann)
    assert frame["action"] == "readed_all"
    assert ISO_UTC.match(frame["before"])
    assert frame["unread"] == 1
    assert frame["types"] == ["post_like"]
    assert pushes_for(bob) == []
    readed = {
        row["readed"] for row in ann_client.get(INCLUDE.list, {"readed": "true"}).json()["results"]
    }
    assert readed == {frame["before"]}


def test_frame_without_type_parameter_has_no_types(ann, ann_client, send, outbox, committed):
    send([ann])
    outbox.clear()

    with committed():
        ann_client.post(READ_ALL)

    assert [set(frame) for frame in pushes_for(ann)] == [{*FRAME_KEYS, "before"}]


def test_nothing_to_mark_pushes_nothing(ann, ann_client, outbox, committed):
    with committed():
        assert ann_client.post(READ_ALL).json() == {"updated": 0, "unread": 0}

    assert pushes_for(ann) == []


def test_other_methods_and_anonymous_are_refused(ann_client, db):
    assert ann_client.get(READ_ALL).status_code == 405
    assert APIClient().post(READ_ALL).status_code == 403  # session authentication comes first
