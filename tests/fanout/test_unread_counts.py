"""The unread counts that go into ``new`` frames, for dense and sparse batches of users."""

from notifications.delivery import unread_counts
from notifications.helpers import send_notification
from notifications.models import Notification


def test_dense_and_sparse_batches_count_only_the_asked_users(make_user) -> None:
    users = [make_user(f"u{i}") for i in range(6)]
    send_notification("post_like", "one", None, users)
    send_notification("post_like", "two", None, users[:3])
    Notification.objects.filter(user=users[0]).update(readed="2026-01-01T00:00:00Z")
    ids = [user.pk for user in users]

    dense = unread_counts(ids[:4])  # ids next to each other: counted over the range
    sparse = unread_counts([ids[0], ids[5]])  # far apart: counted by id

    assert dense == {ids[1]: 2, ids[2]: 2, ids[3]: 1}
    assert sparse == {ids[5]: 1}
