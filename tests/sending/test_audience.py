"""Every form of ``users`` that API.md accepts, and who ends up with a notification."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from notifications.exceptions import InvalidAudience, NotificationsError
from notifications.helpers import send_notification, send_notifications
from notifications.models import Event, Notification


@pytest.fixture
def cat(make_user):
    return make_user("cat")


def recipients(event: Event) -> set[int]:
    """Ids of the users who got a notification of ``event``."""
    return set(Notification.objects.filter(event=event).values_list("user_id", flat=True))


def send(users):
    return send_notification(type="post_like", title="t", users=users)


def test_alias(ann):
    assert send_notifications is send_notification


def test_queryset(ann, bob, cat):
    users = get_user_model().objects.filter(pk__in=[ann.pk, cat.pk])

    event = send(users)

    assert recipients(event) == {ann.pk, cat.pk}
    assert event.notifications_count == 2


def test_filtered_and_ordered_queryset(ann, bob, cat):
    users = get_user_model().objects.exclude(pk=bob.pk).order_by("-pk")

    assert recipients(send(users)) == {ann.pk, cat.pk}


def test_sliced_queryset(ann, bob, cat):
    users = get_user_model().objects.order_by("pk")[:2]

    assert recipients(send(users)) == {ann.pk, bob.pk}


def test_values_list_queryset(ann, bob, cat):
    ids = get_user_model().objects.filter(pk__in=[bob.pk, cat.pk]).values_list("id", flat=True)

    event = send(ids)

    assert recipients(event) == {bob.pk, cat.pk}
    assert event.notifications_count == 2


def test_list_of_users(ann, bob, cat):
    assert recipients(send([ann, bob])) == {ann.pk, bob.pk}


def test_list_of_ids(ann, bob, cat):
    assert recipients(send([bob.pk, cat.pk])) == {bob.pk, cat.pk}


def test_mixed_users_and_ids(ann, bob, cat):
    event = send([ann, cat.pk])

    assert recipients(event) == {ann.pk, cat.pk}


def test_one_user(ann, bob):
    event = send(bob)

    assert recipients(event) == {bob.pk}
    assert event.notifications_count == 1


def test_none_means_everyone(ann, bob, cat, make_user):
    dan = make_user("dan", is_active=False)

    event = send(None)

    assert recipients(event) == {ann.pk, bob.pk, cat.pk, dan.pk}
    assert event.notifications_count == 4


def test_users_omitted_means_everyone(ann, bob):
    event = send_notification("post_like", "t")

    assert recipients(event) == {ann.pk, bob.pk}


def test_generator(ann, bob, cat):
    everyone = [ann, bob, cat]

    event = send(user.pk for user in everyone if user is not bob)

    assert recipients(event) == {ann.pk, cat.pk}


def test_tuple_and_set(ann, bob, cat):
    assert recipients(send((ann, bob))) == {ann.pk, bob.pk}
    assert recipients(send({bob.pk, cat.pk})) == {bob.pk, cat.pk}


def test_duplicates_get_one_notification(ann, bob):
    event = send([ann, ann.pk, bob, ann, bob.pk, ann.pk])

    assert event.notifications_count == 2
    assert Notification.objects.filter(event=event).count() == 2


def test_duplicates_from_a_generator(ann):
    event = send(ann.pk for _ in range(5))

    assert event.notifications_count == 1
    assert Notification.objects.filter(event=event, user=ann).count() == 1


def test_unknown_ids_are_skipped(ann, bob):
    missing = get_user_model().objects.order_by("-pk").first().pk + 1000

    event = send([ann.pk, missing, missing + 1, bob])

    assert recipients(event) == {ann.pk, bob.pk}
    assert event.notifications_count == 2


@pytest.mark.parametrize("users", [[], (), "empty queryset", "empty generator"])
def test_empty_audience_writes_the_event_with_zero(ann, users):
    if users == "empty queryset":
        users = get_user_model().objects.none()
    elif users == "empty generator":
        users = (pk for pk in [])

    event = send(users)

    assert Event.objects.filter(pk=event.pk).exists()
    assert event.notifications_count == 0
    assert Event.objects.get(pk=event.pk).notifications_count == 0
    assert not Notification.objects.exists()


def test_only_unknown_ids_is_an_empty_audience(db):
    event = send([10**9, 10**9 + 1])

    assert event.notifications_count == 0
    assert Event.objects.count() == 1


@pytest.mark.parametrize("bad", ["ann", [1.5], ["1"], [None]])
def test_nonsense_audience_raises_before_writing(ann, bad):
    with pytest.raises(TypeError):
        send(bad)

    assert not Event.objects.exists()


def test_sliced_values_list(ann, bob, cat):
    ids = get_user_model().objects.order_by("-pk").values_list("id", flat=True)[:2]

    assert recipients(send(ids)) == {bob.pk, cat.pk}


def test_union_and_or_querysets(ann, bob, cat):
    users = get_user_model().objects
    union = users.filter(pk=ann.pk).union(users.filter(pk=bob.pk))
    either = users.filter(pk=ann.pk) | users.filter(pk=cat.pk)

    assert recipients(send(union)) == {ann.pk, bob.pk}
    assert recipients(send(either)) == {ann.pk, cat.pk}


def test_values_queryset_and_distinct(ann, bob, cat):
    users = get_user_model().objects

    assert recipients(send(users.values("id"))) == {ann.pk, bob.pk, cat.pk}
    assert recipients(send(users.values_list("pk", flat=True).distinct())) == {
        ann.pk,
        bob.pk,
        cat.pk,
    }


@pytest.mark.parametrize("bad", ["ann", [1.5], ["1"], [None], Event.objects.none()])
def test_a_bad_audience_is_an_invalid_audience(db, bad):
    with pytest.raises(InvalidAudience) as raised:
        send_notification(type="post_like", title="Hi", users=bad)

    assert isinstance(raised.value, NotificationsError)
    assert isinstance(raised.value, TypeError)
    assert raised.value.field == "users"
    assert not Event.objects.exists()
