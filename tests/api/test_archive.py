"""Archive and unarchive: one or a batch, out of the default list and the counts, frames."""

from __future__ import annotations

import threading

import pytest
from django.db import close_old_connections, connection

from notifications import services
from notifications.models import Notification
from tests.support import ISO_UTC, ids_of

BASE = "/api/notifications/"


def titles(response) -> list[str]:
    return [item["event"]["title"] for item in response.json()["results"]]


def test_archive_one_answers_it_and_hides_it_from_the_list_and_counts(ann, ann_client, send):
    send([ann], title="keep")
    send([ann], title="archive me")
    newest, _ = ids_of(ann)

    response = ann_client.post(f"{BASE}{newest}/archive")

    assert response.status_code == 200
    assert response.json()["id"] == newest
    assert ISO_UTC.match(response.json()["archived"])
    assert titles(ann_client.get(BASE)) == ["keep"]
    assert ann_client.get(BASE).json()["count"] == 1
    assert ann_client.get(BASE + "unread-count").json() == {"unread": 1, "unseen": 1}


def test_archived_lists(urls, ann, ann_client, send):
    send([ann], title="a")
    send([ann], title="b")
    newest, _ = ids_of(ann)
    ann_client.post(f"{BASE}{newest}/archive")

    assert titles(ann_client.get(urls.list, {"archived": "true"})) == ["b"]
    assert titles(ann_client.get(urls.list, {"archived": "all"})) == ["b", "a"]
    assert titles(ann_client.get(urls.list, {"archived": "false"})) == ["a"]
    assert titles(ann_client.get(urls.list, {"archived": ""})) == ["a"]


def test_a_bad_archived_value_is_a_400_naming_it(urls, ann_client):
    response = ann_client.get(urls.list, {"archived": "yes"})

    assert response.status_code == 400
    assert list(response.json()) == ["archived"]


def test_archiving_twice_keeps_the_first_time(ann, ann_client, send):
    send([ann])
    (mine,) = ids_of(ann)
    first = ann_client.post(f"{BASE}{mine}/archive").json()["archived"]

    assert ann_client.post(f"{BASE}{mine}/archive").json()["archived"] == first


def test_unarchive_one_brings_it_back(ann, ann_client, send):
    send([ann])
    (mine,) = ids_of(ann)
    ann_client.post(f"{BASE}{mine}/archive")

    response = ann_client.post(f"{BASE}{mine}/unarchive")

    assert response.status_code == 200
    assert response.json()["archived"] is None
    assert titles(ann_client.get(BASE)) == ["Hello"]
    assert ann_client.get(BASE + "unread-count").json() == {"unread": 1, "unseen": 1}


def test_another_users_notification_is_a_404_and_stays_as_it_is(ann, bob, ann_client, send):
    send([bob])
    (bobs,) = ids_of(bob)

    for action in ["archive", "unarchive"]:
        response = ann_client.post(f"{BASE}{bobs}/{action}")
        assert response.status_code == 404
        assert set(response.json()) == {"detail"}
    assert ann_client.post(f"{BASE}999999/archive").status_code == 404
    assert ann_client.post(f"{BASE}{2**63}/archive").status_code == 404
    assert Notification.objects.get(pk=bobs).archived is None


def test_batch_archive_and_unarchive(ann, bob, ann_client, send):
    for title in "abc":
        send([ann, bob], title=title)
    mine = ids_of(ann)
    bobs = ids_of(bob)

    response = ann_client.post(BASE + "archive", [*mine[:2], *bobs, 424242], format="json")

    assert response.status_code == 200
    assert [item["id"] for item in response.json()] == mine[:2]
    assert all(item["archived"] for item in response.json())
    assert titles(ann_client.get(BASE)) == ["a"]
    assert not Notification.objects.filter(user=bob, archived__isnull=False).exists()

    back = ann_client.post(BASE + "unarchive", [mine[0], *bobs], format="json")

    assert [item["id"] for item in back.json()] == [mine[0]]
    assert back.json()[0]["archived"] is None
    assert titles(ann_client.get(BASE)) == ["c", "a"]


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"ids": [1]}, "Expected a list of items"),
        (["1"], "Must be an integer id."),
        ([True], "Must be an integer id."),
        (list(range(1001)), "no more than 1000"),
    ],
)
def test_batch_body_errors(ann_client, body, problem):
    for action in ["archive", "unarchive"]:
        response = ann_client.post(BASE + action, body, format="json")
        assert response.status_code == 400
        assert list(response.json()) == ["ids"]
        assert problem in str(response.json()["ids"])


def test_archive_and_unarchive_push_frames_once_per_change(
    ann, bob, ann_client, send, outbox, django_capture_on_commit_callbacks
):
    send([ann, bob], title="a")
    send([ann], title="b")
    newest, older = ids_of(ann)
    outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        archived = ann_client.post(f"{BASE}{newest}/archive").json()
    with django_capture_on_commit_callbacks(execute=True):
        ann_client.post(f"{BASE}{newest}/archive")  # no change, no frame
    with django_capture_on_commit_callbacks(execute=True):
        unarchived = ann_client.post(BASE + "unarchive", [newest, older], format="json").json()

    assert [(p.user_id, p.message["action"]) for p in outbox] == [
        (ann.pk, "archived"),
        (ann.pk, "unarchived"),
    ]
    assert outbox[0].message["notification"] == archived
    assert outbox[0].message["unread"] == 1
    assert outbox[0].message["unseen"] == 1
    assert outbox[1].message["notification"] == unarchived[0]
    assert outbox[1].message["unread"] == 2


def test_reading_an_archived_one_keeps_it_archived(urls, ann, ann_client, send):
    send([ann])
    (mine,) = ids_of(ann)
    ann_client.post(f"{BASE}{mine}/archive")

    body = ann_client.patch(urls.detail(mine)).json()

    assert body["readed"] is not None
    assert body["archived"] is not None
    assert ann_client.get(urls.detail(mine)).status_code == 200


def test_deleting_an_archived_one_works_as_before(urls, ann, ann_client, send):
    send([ann])
    (mine,) = ids_of(ann)
    ann_client.post(f"{BASE}{mine}/archive")

    assert ann_client.delete(urls.detail(mine)).status_code == 204
    assert not Notification.objects.exists()


def test_anonymous_cannot_archive(client):
    assert client.post(BASE + "archive", [1], content_type="application/json").status_code == 403
    assert client.post(BASE + "1/archive").status_code == 403


@pytest.mark.services  # threads need PostgreSQL
@pytest.mark.django_db(transaction=True)
def test_archive_racing_read_keeps_both(ann, send):
    """Archive and mark-read of the same rows at once: each change lands, the counts agree."""
    for title in "abcdefgh":
        send([ann], title=title)
    ids = ids_of(ann)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(work) -> None:
        try:
            barrier.wait()
            work()
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [
        threading.Thread(target=run, args=(lambda: services.archive(ann, ids),)),
        threading.Thread(target=run, args=(lambda: services.mark_read(ann, ids),)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    rows = Notification.objects.filter(user=ann)
    assert rows.filter(archived__isnull=False, readed__isnull=False).count() == 8
    assert services.counts(ann) == {"unread": 0, "unseen": 0}
