"""Subscriptions in Python: follow, unfollow, mute, count, list, and sends to subscribers."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from notifications import subscriptions
from notifications.helpers import send_notification
from notifications.models import Notification, Subscription


@pytest.fixture
def post(db):
    return Group.objects.create(name="post 7")


def recipients(event):
    return set(Notification.objects.filter(event=event).values_list("user_id", flat=True))


def test_subscribe_is_idempotent_and_says_whether_it_changed(ann, post):
    assert subscriptions.subscribe(ann, post) is True
    assert subscriptions.subscribe(ann, post) is False
    assert Subscription.objects.count() == 1
    assert subscriptions.subscriber_count(post) == 1


def test_unsubscribe_removes_the_row_unless_a_mute_holds(ann, bob, post):
    subscriptions.subscribe(ann, post)
    subscriptions.subscribe(bob, post)
    subscriptions.mute(bob, post)

    assert subscriptions.unsubscribe(ann, post) is True
    assert subscriptions.unsubscribe(ann, post) is False
    assert subscriptions.unsubscribe(bob, post) is True

    assert not Subscription.objects.filter(user=ann).exists()
    kept = Subscription.objects.get(user=bob)
    assert (kept.subscribed, kept.muted_at is not None) == (False, True)
    assert subscriptions.subscriber_count(post) == 0


def test_subscribers_is_the_audience_of_a_send(ann, bob, make_user, post):
    cat = make_user("cat")
    for user in (ann, bob, cat):
        subscriptions.subscribe(user, post)

    event = send_notification(
        type="post_comment",
        title="Cat commented",
        users=subscriptions.subscribers(post, exclude=cat),
        author=cat,
        target=post,
    )

    assert recipients(event) == {ann.pk, bob.pk}
    assert event.notifications_count == 2


def test_subscribers_leave_out_who_muted_the_object(ann, bob, post):
    subscriptions.subscribe(ann, post)
    subscriptions.subscribe(bob, post)
    subscriptions.mute(bob, post)

    assert list(subscriptions.subscribers(post)) == [ann.pk]
    # A muted follower still follows: the count is of followers.
    assert subscriptions.subscriber_count(post) == 2


def test_subscribers_in_many_chunks(settings, crowd, post):
    settings.NOTIFICATIONS = {"FANOUT_BATCH_SIZE": 7}
    people = crowd(40)
    for user in people[::2]:
        subscriptions.subscribe(user, post)
    subscriptions.mute(people[4], post)

    event = send_notification(
        type="post_like", title="x", users=subscriptions.subscribers(post), target=post
    )

    expected = {user.pk for user in people[::2]} - {people[4].pk}
    assert recipients(event) == expected


def test_exclude_takes_ids_lists_and_querysets(ann, bob, make_user, post):
    cat = make_user("cat")
    for user in (ann, bob, cat):
        subscriptions.subscribe(user, post)
    users = get_user_model().objects

    assert set(subscriptions.subscribers(post, exclude=ann.pk)) == {bob.pk, cat.pk}
    assert set(subscriptions.subscribers(post, exclude=[ann, bob])) == {cat.pk}
    assert set(subscriptions.subscribers(post, exclude=users.filter(pk=cat.pk))) == {ann.pk, bob.pk}


def test_a_users_subscriptions_newest_first(ann, bob, post):
    other = Group.objects.create(name="post 8")
    subscriptions.subscribe(ann, post)
    subscriptions.mute(ann, other)
    subscriptions.subscribe(bob, other)

    rows = list(subscriptions.subscriptions(ann))

    assert [(row.target_id, row.subscribed) for row in rows] == [
        (str(other.pk), False),
        (str(post.pk), True),
    ]


def test_mute_until_a_time_then_it_ends(ann, post):
    row = subscriptions.mute(ann, post, until=datetime.timedelta(hours=1))

    assert subscriptions.is_muted(ann, post)
    assert row.muted_until > timezone.now()
    ended = subscriptions.mute(ann, post, until=timezone.now() - datetime.timedelta(seconds=1))
    assert ended.pk == row.pk
    assert not subscriptions.is_muted(ann, post)
    event = send_notification(type="post_like", title="x", users=[ann], target=post)
    assert recipients(event) == {ann.pk}


def test_unmute_keeps_following(ann, post):
    subscriptions.subscribe(ann, post)
    subscriptions.mute(ann, post)

    assert subscriptions.unmute(ann, post) is True
    assert subscriptions.unmute(ann, post) is False
    assert list(subscriptions.subscribers(post)) == [ann.pk]


def test_the_object_must_be_saved(ann):
    with pytest.raises(ValueError, match="saved model instance"):
        subscriptions.subscribe(ann, Group(name="unsaved"))


def test_auto_subscribe_the_author_when_the_setting_is_on(settings, ann, bob, post):
    send_notification(type="post_like", title="x", users=[bob], author=ann, target=post)
    assert subscriptions.subscriber_count(post) == 0

    settings.NOTIFICATIONS = {"SUBSCRIBE_AUTHORS": True}
    send_notification(type="post_like", title="x", users=[bob], author=ann, target=post)
    send_notification(type="post_like", title="x", users=[bob, ann], author=ann, target=post)
    send_notification(type="post_like", title="no target", users=[bob], author=bob)

    assert list(subscriptions.subscribers(post)) == [ann.pk]


def test_auto_subscribe_keeps_the_authors_mute(settings, ann, bob, post):
    settings.NOTIFICATIONS = {"SUBSCRIBE_AUTHORS": True}
    subscriptions.mute(ann, post)

    send_notification(type="post_like", title="x", users=[bob], author=ann, target=post)

    assert subscriptions.is_muted(ann, post)
    assert subscriptions.subscriber_count(post) == 1
    assert list(subscriptions.subscribers(post)) == []


def test_deleting_a_user_deletes_their_rows(ann, post):
    subscriptions.subscribe(ann, post)
    ann.delete()
    assert Subscription.objects.count() == 0


def test_forget_deletes_every_row_about_the_object(ann, bob, post):
    other = Group.objects.create(name="post 8")
    subscriptions.subscribe(ann, post)
    subscriptions.mute(bob, post)
    subscriptions.subscribe(ann, other)

    assert subscriptions.forget(post) == 2

    assert subscriptions.subscriber_count(post) == 0
    assert not subscriptions.is_muted(bob, post)
    assert subscriptions.subscriber_count(other) == 1
