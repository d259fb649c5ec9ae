"""The badge counts that go into frames, for one user and dense and sparse sets of users."""

from datetime import timedelta

from django.utils import timezone

from notifications.badges import badge_counts
from notifications.helpers import send_notification
from notifications.models import Notification


def test_dense_and_sparse_sets_count_only_the_asked_users(make_user) -> None:
    users = [make_user(f"u{i}") for i in range(6)]
    send_notification("post_like", "one", None, users)
    send_notification("post_like", "two", None, users[:3])
    Notification.objects.filter(user=users[0]).update(readed="2026-01-01T00:00:00Z")
    Notification.objects.filter(user=users[1]).update(seen="2026-01-01T00:00:00Z")
    ids = [user.pk for user in users]

    dense = badge_counts(ids[:4])  # ids next to each other: counted over the range
    sparse = badge_counts([ids[0], ids[5]])  # far apart: counted by id

    assert dense == {
        ids[0]: {"unread": 0, "unseen": 2},
        ids[1]: {"unread": 2, "unseen": 0},
        ids[2]: {"unread": 2, "unseen": 2},
        ids[3]: {"unread": 1, "unseen": 1},
    }
    assert sparse == {ids[0]: {"unread": 0, "unseen": 2}, ids[5]: {"unread": 1, "unseen": 1}}


def test_archived_and_expired_rows_are_not_counted(make_user) -> None:
    user = make_user("ann")
    send_notification("post_like", "kept", None, user)
    send_notification("post_like", "archived", None, user)
    send_notification("post_like", "expired", None, user)
    Notification.objects.filter(event__title="archived").update(archived=timezone.now())
    past = timezone.now() - timedelta(minutes=1)
    Notification.objects.filter(event__title="expired").update(expires=past)

    assert badge_counts([user.pk]) == {user.pk: {"unread": 1, "unseen": 1}}
