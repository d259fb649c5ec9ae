"""Target objects: ``send_notification(target=obj)``, the ``target`` JSON and filter, helpers."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications import services
from notifications.exceptions import InvalidNotification
from notifications.models import Event, EventType, Notification
from tests.support import ids_of

BASE = "/api/notifications/"


@pytest.fixture
def post(db):
    return Group.objects.create(name="post 7")


def test_the_json_shows_a_stable_reference(urls, ann, ann_client, send, post):
    send([ann], target=post)
    send([ann], title="no target")

    about, plain = ann_client.get(urls.list).json()["results"][::-1]

    assert about["event"]["target"] == {"type": "auth.group", "id": str(post.pk)}
    assert plain["event"]["target"] is None


def test_any_model_with_any_key_type(ann, bob, ann_client, send):
    like = EventType.objects.get(name="post_like")
    send([ann], target=bob)
    send([ann], title="about a type", target=like)

    targets = [item["event"]["target"] for item in ann_client.get(BASE).json()["results"]]

    user_label = f"{bob._meta.app_label}.{bob._meta.model_name}"
    assert targets == [
        {"type": "notifications.eventtype", "id": str(like.pk)},
        {"type": user_label, "id": str(bob.pk)},
    ]


def test_filter_by_target(urls, ann, bob, ann_client, send, post):
    other = Group.objects.create(name="post 8")
    send([ann, bob], title="on 7", target=post)
    send([ann], title="on 8", target=other)
    send([ann], title="on nothing")

    response = ann_client.get(urls.list, {"target": f"auth.group:{post.pk}"})

    assert response.status_code == 200
    assert [item["event"]["title"] for item in response.json()["results"]] == ["on 7"]
    assert response.json()["results"][0]["user"] == ann.pk
    nothing = ann_client.get(urls.list, {"target": "auth.group:424242"})
    assert nothing.json()["results"] == []


@pytest.mark.parametrize(
    "value", ["nosuch.model:1", "auth.nosuchmodel:1", "nosuch.model: ", "auth.group: 7"]
)
def test_a_target_of_no_installed_model_has_no_notifications(urls, ann_client, send, ann, value):
    send([ann], title="about nothing in particular")

    response = ann_client.get(urls.list, {"target": value})

    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("auth.group", "must look like"),
        ("group:1", "must look like"),
        ("auth.:1", "must look like"),
    ],
)
def test_a_bad_target_is_a_400_naming_it(urls, ann_client, value, problem):
    response = ann_client.get(urls.list, {"target": value})

    assert response.status_code == 400
    assert list(response.json()) == ["target"]
    assert problem in response.json()["target"][0]


def test_mark_target_read_is_one_update_for_one_user(
    ann, bob, send, post, outbox, django_capture_on_commit_callbacks
):
    send([ann, bob], title="a", target=post)
    send([ann, bob], title="b", target=post)
    send([ann], title="elsewhere")
    outbox.clear()

    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True),
    ):
        changed = services.mark_target_read(ann, post)

    assert changed == 2
    updates = [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert len(updates) == 1
    assert set(
        Notification.objects.filter(user=ann, readed__isnull=True).values_list(
            "event__title", flat=True
        )
    ) == {"elsewhere"}
    assert Notification.objects.filter(user=bob, readed__isnull=True).count() == 2
    assert [(p.user_id, p.message["action"]) for p in outbox] == [
        (ann.pk, "readed"),
        (ann.pk, "readed"),
    ]
    assert outbox[-1].message["unread"] == 1
    assert services.mark_target_read(ann, post) == 0


def test_a_targets_notifications_for_one_user(ann, bob, send, post):
    send([ann, bob], title="a", target=post)
    send([ann], title="b")

    mine = Notification.objects.for_user(ann).for_target(post)

    assert [row.event.title for row in mine] == ["a"]


def test_deleting_the_target_keeps_the_notifications(urls, ann, ann_client, send, post):
    send([ann], target=post)
    pk = post.pk
    post.delete()

    (item,) = ann_client.get(urls.list).json()["results"]

    assert item["event"]["target"] == {"type": "auth.group", "id": str(pk)}


def test_an_unsaved_target_is_refused_before_anything_is_written(ann, send):
    with pytest.raises(InvalidNotification, match="saved model instance"):
        send([ann], target=Group(name="unsaved"))
    with pytest.raises(InvalidNotification, match="saved model instance"):
        send([ann], target="auth.group:1")
    assert not Event.objects.exists()


def test_list_query_count_is_constant_with_targets(ann, bob, ann_client, send, post):
    like = EventType.objects.get(name="post_like")
    for index in range(30):
        target = [post, bob, like][index % 3]
        send([ann], title=f"n{index}", target=target, author=bob if index % 2 else None)
    ann_client.get(BASE, {"limit": 1})  # content types are cached after first use

    with CaptureQueriesContext(connection) as one:
        ann_client.get(BASE, {"limit": 1})
    with CaptureQueriesContext(connection) as thirty:
        response = ann_client.get(BASE, {"limit": 30})

    assert len(response.json()["results"]) == 30
    assert len(one.captured_queries) == len(thirty.captured_queries)
    assert ids_of(ann)[0] == response.json()["results"][0]["id"]
