"""Every WebSocket frame carries the recipient's unread count at the time of the push."""

from __future__ import annotations

from notifications.models import Notification
from notifications.testing import pushes_for
from tests.support import INCLUDE, READ_ALL, UNREAD_COUNT


def frames(outbox, user):
    return [(f["action"], f["unread"]) for f in pushes_for(user)]


def test_each_action_carries_the_current_unread_count(
    ann, bob, ann_client, send, outbox, committed
):
    for audience in [[ann, bob], [ann], [ann]]:
        with committed():  # one transaction per send
            send(audience)
    first, second, third = Notification.objects.filter(user=ann).order_by("pk")
    assert frames(outbox, ann) == [("new", 1), ("new", 2), ("new", 3)]
    assert frames(outbox, bob) == [("new", 1)]

    outbox.clear()
    requests = [
        (200, lambda: ann_client.patch(INCLUDE.detail(first.pk))),
        (200, lambda: ann_client.patch(INCLUDE.detail(second.pk))),
        (200, lambda: ann_client.patch(INCLUDE.detail(first.pk), {"readed": None}, format="json")),
        (204, lambda: ann_client.delete(INCLUDE.detail(third.pk))),
        (200, lambda: ann_client.post(READ_ALL)),
    ]
    for status, request in requests:
        with committed():  # one transaction per request, as in production
            assert request().status_code == status

    assert frames(outbox, ann) == [
        ("readed", 2),
        ("readed", 1),
        ("unread", 2),
        ("deleted", 1),
        ("readed_all", 0),
    ]
    assert frames(outbox, bob) == []


def test_batch_read_frames_carry_the_count_after_the_whole_batch(
    ann, ann_client, send, outbox, committed
):
    for _ in range(3):
        send([ann])
    ids = list(Notification.objects.filter(user=ann).values_list("pk", flat=True))

    with committed():
        ann_client.patch(INCLUDE.list, ids[:2], format="json")

    assert frames(outbox, ann) == [("readed", 1), ("readed", 1)]
    assert ann_client.get(UNREAD_COUNT).json() == {"unread": 1, "unseen": 1}  # read is seen
