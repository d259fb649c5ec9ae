"""Marking read through REST pushes ``readed`` once per notification that changed."""

from __future__ import annotations

from tests.support import ids_of


def test_batch_pushes_once_per_changed_notification(
    urls, ann, bob, ann_client, send, outbox, django_capture_on_commit_callbacks
):
    for title in ["a", "b", "c"]:
        send([ann, bob], title=title)
    mine = ids_of(ann)
    ann_client.patch(urls.detail(mine[0]))
    outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = ann_client.patch(urls.list, [*mine, *ids_of(bob)], format="json")
    body = {r["id"]: r for r in response.json()}

    assert {p.user_id for p in outbox} == {ann.pk}
    assert [p.message["action"] for p in outbox] == ["readed", "readed"]
    assert sorted(p.message["notification"]["id"] for p in outbox) == sorted(mine[1:])
    for push in outbox:
        assert push.message["notification"] == body[push.message["notification"]["id"]]
        assert push.message["unread"] == 0


def test_nothing_changed_pushes_nothing(
    urls, ann, ann_client, send, outbox, django_capture_on_commit_callbacks
):
    send([ann])
    (mine,) = ids_of(ann)
    with django_capture_on_commit_callbacks(execute=True):
        ann_client.patch(urls.detail(mine))
    assert [p.message["action"] for p in outbox] == ["readed"]
    outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        ann_client.patch(urls.detail(mine))
        ann_client.patch(urls.list, [mine], format="json")

    assert outbox == []
