"""What ``send_notification`` writes, returns and refuses."""

from __future__ import annotations

import datetime
import decimal

import pytest
from django.test import override_settings

from notifications.event_types import sync_event_types
from notifications.helpers import send_notification
from notifications.models import Event, EventType, ExcludedEventType, Notification
from tests.settings import EVENTS


def nothing_written() -> bool:
    return not Event.objects.exists() and not Notification.objects.exists()


def test_returns_the_event_with_its_fields(ann, bob):
    event = send_notification(
        type="post_like",
        title="Ann liked your post",
        data={"post": 7, "nested": [1, {"x": None}]},
        users=[bob],
        message="optional text",
        author=ann,
    )

    assert isinstance(event, Event)
    stored = Event.objects.get(pk=event.pk)
    assert stored.type.name == "post_like"
    assert stored.title == "Ann liked your post"
    assert stored.message == "optional text"
    assert stored.data == {"post": 7, "nested": [1, {"x": None}]}
    assert stored.author_id == ann.pk
    assert stored.notifications_count == event.notifications_count == 1


def test_positional_arguments_follow_the_documented_order(ann):
    event = send_notification("post_comment", "title", [1, 2], [ann], "message", ann)

    assert (event.data, event.message, event.author_id) == ([1, 2], "message", ann.pk)
    assert Notification.objects.get().user_id == ann.pk


@pytest.mark.parametrize("data", [None, 0, "text", [1, "a"], {"a": {"b": [True, None, 1.5]}}])
def test_any_json_data(ann, data):
    event = send_notification("post_like", "t", data, [ann])

    assert Event.objects.get(pk=event.pk).data == data


@pytest.mark.parametrize("name", ["nope", "", "POST_LIKE", None, 7])
def test_unknown_type_raises_a_value_error_and_writes_nothing(ann, name):
    with pytest.raises(ValueError, match="type") as raised:
        send_notification(name, "t", users=[ann])

    assert type(raised.value) is not ValueError  # a subclass the caller can catch precisely
    assert nothing_written()


def test_removed_type_raises_the_same_exception(ann):
    with pytest.raises(ValueError, match="nope") as unknown:
        send_notification("nope", "t", users=[ann])
    with override_settings(EVENTS=[EVENTS[0]]):
        sync_event_types()
        with pytest.raises(ValueError, match="post_comment") as removed:
            send_notification("post_comment", "t", users=[ann])

    assert type(removed.value) is type(unknown.value)
    assert "post_comment" in str(removed.value)
    assert EventType.objects.get(name="post_comment").is_active is False
    assert nothing_written()


def test_removed_type_raises_even_before_migrate_runs(ann):
    with (
        override_settings(EVENTS=[EVENTS[0]]),
        pytest.raises(ValueError, match="post_comment"),
    ):
        send_notification("post_comment", "t", users=[ann])

    assert nothing_written()
    assert EventType.objects.get(name="post_comment").is_active is True  # not synced yet


@pytest.mark.parametrize(
    "data",
    [
        {"when": datetime.datetime(2026, 1, 1)},
        {"amount": decimal.Decimal("1.5")},
        {1, 2},
        object(),
        {"nan": float("nan")},
        {("a", "b"): 1},
    ],
    ids=["datetime", "decimal", "set", "object", "nan", "tuple-key"],
)
def test_non_json_data_raises_before_any_write(ann, data, django_assert_max_num_queries):
    with django_assert_max_num_queries(1), pytest.raises((TypeError, ValueError)):
        send_notification("post_like", "t", data, [ann])

    assert nothing_written()


@pytest.mark.parametrize("title", [None, "", "x" * 256, 5])
def test_bad_title_raises_before_any_write(ann, title):
    with pytest.raises(ValueError, match="title"):
        send_notification("post_like", title, users=[ann])

    assert nothing_written()


def test_author_is_optional_and_shown_as_its_id(ann, bob, ann_client):
    send_notification("post_like", "with", users=[ann], author=bob)
    send_notification("post_like", "without", users=[ann])

    results = ann_client.get("/notifications").json()["results"]

    assert [(r["event"]["title"], r["event"]["author"]) for r in results] == [
        ("without", None),
        ("with", bob.pk),
    ]


def test_notifications_count_is_exact(make_user):
    users = [make_user(f"u{i}") for i in range(7)]
    ExcludedEventType.objects.create(
        user=users[0], event_type=EventType.objects.get(name="post_like")
    )

    event = send_notification("post_like", "t", users=[*users, users[1], 10**9])

    assert event.notifications_count == 6
    assert Event.objects.get(pk=event.pk).notifications_count == 6
    assert Notification.objects.filter(event=event).count() == 6


def test_a_filter_excluding_the_type_means_no_row_and_no_push(
    ann, bob, outbox, django_capture_on_commit_callbacks
):
    ExcludedEventType.objects.create(user=ann, event_type=EventType.objects.get(name="post_like"))

    with django_capture_on_commit_callbacks(execute=True):
        like = send_notification("post_like", "like", users=[ann, bob])
        comment = send_notification("post_comment", "comment", users=[ann, bob])

    assert like.notifications_count == 1
    assert not Notification.objects.filter(user=ann, event=like).exists()
    assert Notification.objects.filter(user=bob, event=like).exists()
    assert comment.notifications_count == 2
    pushed = [(p.user_id, p.message["notification"]["event"]["title"]) for p in outbox]
    assert sorted(pushed) == sorted([(bob.pk, "like"), (ann.pk, "comment"), (bob.pk, "comment")])


def test_each_call_writes_one_event(ann, bob):
    send_notification("post_like", "one", users=[ann, bob])
    send_notification("post_like", "two", users=[ann, bob])

    assert Event.objects.count() == 2
    assert Notification.objects.count() == 4
    assert Notification.objects.filter(user=ann).count() == 2
