"""Grouping: ``send_notification(group=...)`` folds into each recipient's open row, in SQL."""

from __future__ import annotations

import datetime
import threading
from typing import Any

import pytest
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from notifications import services
from notifications.exceptions import InvalidNotification
from notifications.helpers import send_notification
from notifications.models import Event, Notification
from tests.support import client_for

BASE = "/api/notifications/"
GROUP = "post:7:likes"


def like(users: Any, author: Any = None, group: str | None = GROUP, **kwargs: Any) -> Event:
    name = author.get_username() if author is not None else "someone"
    return send_notification(
        type="post_like", title=f"{name} liked", users=users, author=author, group=group, **kwargs
    )


def names(item: dict[str, Any]) -> list[str]:
    return [author["name"] for author in item["authors"]]


@pytest.fixture
def people(make_user):
    return [make_user(name) for name in ["cat", "dan", "eve", "fay", "gus", "hal", "ivy"]]


def test_a_second_event_folds_into_the_open_row(ann, bob, people):
    cat, dan = people[:2]
    like([ann], author=cat)
    second = like([ann], author=dan)

    (item,) = client_for(ann).get(BASE).json()["results"]

    assert Notification.objects.filter(user=ann).count() == 1
    assert item["group"] == GROUP
    assert item["count"] == 2
    assert item["event"]["id"] == second.pk
    assert item["event"]["title"] == f"{dan.get_username()} liked"
    assert names(item) == [dan.get_username(), cat.get_username()]
    assert second.notifications_count == 1


def test_authors_are_newest_first_distinct_and_capped(ann, people):
    for person in [*people, people[0]]:  # cat twice: first in the list, once
        like([ann], author=person)
    like([ann])  # no author: the list stays as it is

    (item,) = client_for(ann).get(BASE).json()["results"]

    assert item["count"] == 9
    assert names(item) == [p.get_username() for p in [people[0], *people[:0:-1]][:5]]
    assert item["authors"][0]["id"] == people[0].pk


def test_the_cap_is_a_setting(ann, people, settings):
    settings.NOTIFICATIONS = {"GROUP_AUTHORS": 2}
    for person in people[:4]:
        like([ann], author=person)

    (item,) = client_for(ann).get(BASE).json()["results"]

    assert names(item) == [people[3].get_username(), people[2].get_username()]


def test_author_name_is_a_setting(ann, people, settings):
    settings.NOTIFICATIONS = {"AUTHOR_NAME": "tests.sending.test_grouping.shout"}
    like([ann], author=people[0])
    like([ann], author=people[1], group=None)

    grouped, plain = client_for(ann).get(BASE).json()["results"][::-1]

    assert names(grouped) == [people[0].get_username().upper()]
    assert names(plain) == [people[1].get_username().upper()]


def shout(user: Any) -> str:
    return str(user.get_username()).upper()


def test_a_folded_row_moves_to_the_top_and_is_unseen_again(ann, people):
    like([ann], author=people[0])
    send_notification(type="post_comment", title="comment", users=[ann])
    client = client_for(ann)
    client.post(BASE + "seen-all")

    like([ann], author=people[1])

    first, second = client.get(BASE).json()["results"]
    assert (first["group"], first["count"], first["seen"]) == (GROUP, 2, None)
    assert second["event"]["title"] == "comment"
    assert client.get(BASE + "unread-count").json() == {"unread": 2, "unseen": 1}


def test_read_or_archived_rows_take_no_more_events(ann, people):
    like([ann], author=people[0])
    client = client_for(ann)
    (read,) = Notification.objects.filter(user=ann)
    client.patch(f"{BASE}{read.pk}")
    like([ann], author=people[1])
    open_row = Notification.objects.get(user=ann, readed__isnull=True)
    client.post(f"{BASE}{open_row.pk}/archive")
    like([ann], author=people[2])

    rows = Notification.objects.filter(user=ann).order_by("pk")
    assert [(row.count, row.readed is None, row.archived is None) for row in rows] == [
        (1, False, True),
        (1, True, False),
        (1, True, True),
    ]


def test_types_and_groups_are_separate_keys(ann, people):
    like([ann], author=people[0])
    like([ann], author=people[1], group="post:8:likes")
    send_notification(type="post_comment", title="c", users=[ann], group=GROUP)
    like([ann], author=people[2], group=None)
    like([ann], author=people[3], group=None)

    rows = Notification.objects.filter(user=ann)
    assert rows.count() == 5
    assert set(rows.values_list("count", flat=True)) == {1}


def test_some_recipients_fold_others_get_a_new_row(ann, bob, people, crowd):
    others = crowd(25)
    like([ann], author=people[0])
    event = like([ann, bob, *others], author=people[1])

    assert event.notifications_count == 27
    assert Notification.objects.get(user=ann).count == 2
    assert Notification.objects.get(user=bob).count == 1
    assert Notification.objects.filter(count=1, group=GROUP).count() == 26


def test_pushes_say_new_or_updated(ann, bob, people, outbox, django_capture_on_commit_callbacks):
    like([ann], author=people[0])
    outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        like([ann, bob], author=people[1])

    frames = {push.user_id: push.message for push in outbox}
    assert frames[ann.pk]["action"] == "updated"
    assert frames[bob.pk]["action"] == "new"
    assert frames[ann.pk]["notification"] == client_for(ann).get(BASE).json()["results"][0]
    assert frames[bob.pk]["notification"] == client_for(bob).get(BASE).json()["results"][0]
    assert frames[ann.pk]["notification"]["count"] == 2
    assert (frames[ann.pk]["unread"], frames[ann.pk]["unseen"]) == (1, 1)


def test_one_statement_per_chunk(crowd, settings, people, outbox):
    settings.NOTIFICATIONS = {**settings.NOTIFICATIONS, "FANOUT_BATCH_SIZE": 10}
    users = crowd(40)
    like(users[:20], author=people[0])

    with CaptureQueriesContext(connection) as queries:
        like(users, author=people[1])

    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT INTO")]
    upserts = [q for q in inserts if "ON CONFLICT" in q["sql"] and "DO UPDATE" in q["sql"]]
    assert len(upserts) == 4  # 40 users, chunks of 10
    assert Notification.objects.filter(count=2).count() == 20
    assert Notification.objects.filter(count=1, event__group=GROUP).count() == 20


def test_background_fan_out_groups_too(
    ann, bob, people, outbox, django_capture_on_commit_callbacks
):
    like([ann], author=people[0])
    outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        like([ann, bob], author=people[1], background=True)

    assert Notification.objects.get(user=ann).count == 2
    assert sorted(p.message["action"] for p in outbox) == ["new", "updated"]


def test_marking_unread_beside_a_newer_open_row_leaves_the_group(ann, people):
    like([ann], author=people[0])
    client = client_for(ann)
    (old,) = Notification.objects.filter(user=ann)
    client.patch(f"{BASE}{old.pk}")
    like([ann], author=people[1])  # a new open row of the group

    response = client.patch(f"{BASE}{old.pk}", {"readed": None}, format="json")

    assert response.status_code == 200
    assert response.json()["readed"] is None
    assert response.json()["group"] is None
    assert response.json()["count"] == 1
    like([ann], author=people[2])
    assert Notification.objects.get(user=ann, group=GROUP).count == 2


def test_unarchiving_beside_a_newer_open_row_leaves_the_group(ann, people):
    like([ann], author=people[0])
    client = client_for(ann)
    (old,) = Notification.objects.filter(user=ann)
    client.post(f"{BASE}{old.pk}/archive")
    like([ann], author=people[1])
    plain = send_notification(type="post_comment", title="c", users=[ann])
    archived_plain = Notification.objects.get(event=plain)
    client.post(f"{BASE}{archived_plain.pk}/archive")

    response = client.post(BASE + "unarchive", [old.pk, archived_plain.pk], format="json")

    assert response.status_code == 200
    assert {item["id"]: item["group"] for item in response.json()} == {
        old.pk: None,
        archived_plain.pk: None,
    }
    assert all(item["archived"] is None for item in response.json())
    assert Notification.objects.filter(user=ann, group=GROUP).count() == 1


@pytest.mark.parametrize(
    ("group", "code"),
    [
        ("", "invalid"),
        (7, "invalid"),
        ("x" * 256, "too_long"),
        ("a\x00b", "nul"),
        ("a\ud800b", "surrogate"),  # not a UnicodeEncodeError from the driver
        ("\udc00", "surrogate"),
    ],
)
def test_a_bad_group_is_refused_before_anything_is_written(ann, group, code):
    with pytest.raises(InvalidNotification) as refused:
        like([ann], group=group)
    assert (refused.value.field, refused.value.code) == ("group", code)
    assert not Event.objects.exists()


@pytest.mark.services  # threads need PostgreSQL
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_grouped_sends_end_in_one_row_with_count_2(ann, people):
    for attempt in range(5):
        Notification.objects.all().delete()
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def send(author: Any, barrier: Any = barrier, errors: list[Any] = errors) -> None:
            try:
                barrier.wait()
                like([ann], author=author)
            except BaseException as error:  # reported below
                errors.append(error)
            finally:
                close_old_connections()
                connection.close()

        threads = [threading.Thread(target=send, args=(p,)) for p in people[:2]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

        assert errors == [], attempt
        (row,) = Notification.objects.filter(user=ann)
        assert row.count == 2, attempt
        assert {a["id"] for a in row.authors} == {people[0].pk, people[1].pk}


def test_the_list_shows_grouped_rows_without_extra_queries(ann, people):
    for person in people:
        like([ann], author=person, group=f"post:{person.pk}:likes")
        like([ann], author=people[0], group=f"post:{person.pk}:likes")
    client: APIClient = client_for(ann)
    client.get(BASE, {"limit": 1})

    with CaptureQueriesContext(connection) as one:
        client.get(BASE, {"limit": 1})
    with CaptureQueriesContext(connection) as all_of_them:
        response = client.get(BASE, {"limit": 50})

    assert len(response.json()["results"]) == len(people)
    assert len(one.captured_queries) == len(all_of_them.captured_queries)
    assert services.counts(ann) == {"unread": len(people), "unseen": len(people)}


def test_a_column_audience_with_repeats_and_an_expiry(ann, bob, people):
    """``values_list`` audiences are SELECT DISTINCT: typed constants only (PostgreSQL)."""
    like([ann, bob], author=people[0])
    repeated = Notification.objects.values_list("user_id", flat=True)  # ann and bob

    event = like(repeated, author=people[1], expires=datetime.timedelta(hours=1))

    assert event.notifications_count == 2
    rows = Notification.objects.filter(group=GROUP)
    assert sorted(rows.values_list("count", flat=True)) == [2, 2]
    assert set(rows.values_list("expires", flat=True)) == {event.expires}
