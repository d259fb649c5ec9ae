"""Inline fan-out through ``send_notification``: statements, counts, filters, pushes, failures."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import DatabaseError, connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from notifications.helpers import send_notification
from notifications.models import Event, EventType, ExcludedEventType, Notification

Crowd = Callable[[int], list[Any]]


def users_model() -> Any:
    return get_user_model()


def exclude(users: list[Any], type_name: str = "post_like") -> None:
    """Make ``users`` opt out of ``type_name`` (their filter excludes it)."""
    event_type = EventType.objects.get(name=type_name)
    ExcludedEventType.objects.bulk_create(
        [ExcludedEventType(user=user, event_type=event_type) for user in users]
    )


def recipients_of(event: Event) -> set[int]:
    return set(Notification.objects.filter(event=event).values_list("user_id", flat=True))


def notification_inserts(queries: CaptureQueriesContext) -> int:
    return sum(
        1
        for query in queries.captured_queries
        if query["sql"].lstrip().upper().startswith("INSERT")
        and "notifications_notification" in query["sql"]
    )


@pytest.fixture
def small_batches(settings: Any) -> int:
    settings.NOTIFICATIONS = {**getattr(settings, "NOTIFICATIONS", {}), "FANOUT_BATCH_SIZE": 100}
    return 100


AUDIENCES: dict[str, Callable[[list[Any]], Any]] = {
    "None (every user)": lambda users: None,
    "QuerySet": lambda users: users_model().objects.filter(is_active=True),
    "values_list ids": lambda users: users_model().objects.values_list("id", flat=True),
    "list of ids": lambda users: [user.pk for user in users],
    "list of users": lambda users: list(users),
    "generator of ids": lambda users: (user.pk for user in users),
}


@pytest.mark.parametrize("shape", AUDIENCES)
def test_statements_grow_with_chunks_not_recipients(
    crowd: Crowd, small_batches: int, shape: str
) -> None:
    users = crowd(2000)
    audience = AUDIENCES[shape](users)
    with CaptureQueriesContext(connection) as queries:
        event = send_notification(type="post_like", title="Hi", users=audience)
    chunks = math.ceil(2000 / small_batches)
    assert event.notifications_count == 2000
    assert Notification.objects.filter(event=event).count() == 2000
    # One INSERT per chunk (a final empty range may add one), never one per user.
    assert chunks <= notification_inserts(queries) <= chunks + 1
    # Each chunk costs at most a boundary query and its INSERT, plus a few fixed ones.
    assert len(queries) <= 2 * chunks + 12, [q["sql"][:80] for q in queries.captured_queries]


def test_count_is_exact_with_filters_duplicates_and_unknown_ids(crowd: Crowd) -> None:
    users = crowd(30)
    opted_out = users[:7]
    exclude(opted_out)
    exclude(users[7:9], "post_comment")  # other types' filters change nothing here
    unknown = users_model().objects.order_by("-pk").first().pk + 1000
    ids = [user.pk for user in users] * 3 + [unknown, unknown + 1]
    event = send_notification(type="post_like", title="Hi", users=ids)
    expected = {user.pk for user in users[7:]}
    assert recipients_of(event) == expected
    assert event.notifications_count == len(expected) == 23
    assert Event.objects.get(pk=event.pk).notifications_count == 23


def test_filter_is_applied_in_sql_for_querysets(crowd: Crowd) -> None:
    users = crowd(10)
    exclude(users[::2])
    with CaptureQueriesContext(connection) as queries:
        event = send_notification(type="post_like", title="Hi", users=users_model().objects.all())
    assert recipients_of(event) == {user.pk for user in users[1::2]}
    assert event.notifications_count == 5
    insert = next(
        q["sql"]
        for q in queries.captured_queries
        if "INSERT" in q["sql"].upper() and "notifications_notification" in q["sql"]
    )
    assert "notifications_excludedeventtype" in insert


def test_group_join_with_duplicate_rows(crowd: Crowd, small_batches: int) -> None:
    users = crowd(250)
    staff, editors = Group.objects.create(name="staff"), Group.objects.create(name="editors")
    staff.user_set.add(*users[:200])
    editors.user_set.add(*users[50:250])
    exclude(users[:10])
    both = users_model().objects.filter(groups__in=[staff, editors])
    assert both.count() == 400  # users 50..199 appear twice
    event = send_notification(type="post_like", title="Hi", users=both)
    assert event.notifications_count == 240
    assert recipients_of(event) == {user.pk for user in users[10:]}
    again = send_notification(type="post_like", title="Again", users=both.distinct())
    assert again.notifications_count == 240


def test_sliced_and_distinct_querysets(crowd: Crowd, small_batches: int) -> None:
    users = crowd(300)
    first = users_model().objects.filter(pk__in=[u.pk for u in users]).order_by("pk")[:150]
    event = send_notification(type="post_like", title="Hi", users=first)
    assert recipients_of(event) == {user.pk for user in users[:150]}
    assert event.notifications_count == 150
    newest = users_model().objects.order_by("-pk").values_list("pk", flat=True)[:3]
    event = send_notification(type="post_like", title="Hi", users=newest)
    assert recipients_of(event) == {user.pk for user in users[-3:]}


def test_another_models_user_id_column(crowd: Crowd, small_batches: int) -> None:
    users = crowd(400)
    first = send_notification(type="post_comment", title="A", users=users[:300])
    second = send_notification(type="post_comment", title="B", users=users[100:])
    exclude(users[:5])
    # Users 100..299 hold two rows: the column names them twice.
    column = Notification.objects.filter(event__in=[first, second]).values_list(
        "user_id", flat=True
    )
    event = send_notification(type="post_like", title="Hi", users=column)
    assert recipients_of(event) == {user.pk for user in users[5:]}
    assert event.notifications_count == 395
    by_name = Notification.objects.filter(event=second).values_list("user", flat=True)
    event = send_notification(type="post_comment", title="Again", users=by_name)
    assert recipients_of(event) == {user.pk for user in users[100:]}


def test_querysets_that_are_not_user_ids_are_refused(ann: Any) -> None:
    with pytest.raises(TypeError):
        send_notification(type="post_like", title="Hi", users=EventType.objects.all())
    with pytest.raises(TypeError):
        send_notification(
            type="post_like",
            title="Hi",
            users=Notification.objects.values_list("user_id", "event_id"),
        )
    assert not Event.objects.exists()


def test_pushes_are_built_in_batches_without_per_recipient_queries(
    crowd: Crowd,
    small_batches: int,
    outbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    users = crowd(1000)
    exclude(users[:100])
    send_notification(type="post_comment", title="Earlier", users=users[:10])
    outbox.clear()
    with django_capture_on_commit_callbacks() as callbacks:
        event = send_notification(type="post_like", title="Hi", users=None)
    with CaptureQueriesContext(connection) as queries:
        for callback in callbacks:
            callback()
    assert len(outbox) == 900 == event.notifications_count
    assert {push.user_id for push in outbox} == {user.pk for user in users[100:]}
    by_user = {push.user_id: push.message for push in outbox}
    assert by_user[users[100].pk]["unread"] == 1
    assert by_user[users[200].pk]["notification"]["event"]["id"] == event.pk
    # Per batch of 100 users: a boundary query, the rows query and the unseen
    # counts; plus four fixed ones (the event's group among them).
    assert len(queries) <= 4 + 3 * (1000 // small_batches + 1)


def test_failure_in_a_later_chunk_saves_and_pushes_nothing(
    crowd: Crowd,
    small_batches: int,
    outbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    users = crowd(300)
    poisoned = users[150].pk  # in the second chunk of 100
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION fanout_boom() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'boom'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER fanout_boom BEFORE INSERT ON notifications_notification "
                f"FOR EACH ROW WHEN (NEW.user_id = {poisoned}) EXECUTE FUNCTION fanout_boom()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER fanout_boom BEFORE INSERT ON notifications_notification "
                f"WHEN NEW.user_id = {poisoned} BEGIN SELECT RAISE(ABORT, 'boom'); END"
            )
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(DatabaseError, match="boom"),
    ):
        send_notification(type="post_like", title="Hi", users=None)
    assert notification_inserts(queries) == 2  # the first chunk was written, then rolled back
    assert callbacks == []
    assert outbox == []
    assert not Event.objects.exists()
    assert not Notification.objects.exists()


def test_patched_insert_failing_after_first_chunk(
    crowd: Crowd,
    small_batches: int,
    outbox: list[Any],
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from notifications.fanout import inline

    crowd(300)
    real = inline.insert_notifications
    calls = []

    def flaky(*args: Any, **kwargs: Any) -> int:
        calls.append(1)
        if len(calls) == 2:
            raise DatabaseError("lost the connection")
        return real(*args, **kwargs)

    monkeypatch.setattr(inline, "insert_notifications", flaky)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DatabaseError):
        send_notification(type="post_like", title="Hi", users=[u.pk for u in crowd(250)])
    assert len(calls) == 2
    assert outbox == []
    assert not Event.objects.exists()
    assert not Notification.objects.exists()


def test_union_and_aggregate_querysets(crowd: Crowd, settings: Any) -> None:
    settings.NOTIFICATIONS = {**getattr(settings, "NOTIFICATIONS", {}), "FANOUT_BATCH_SIZE": 3}
    users = crowd(10)
    model = users_model()
    union = model.objects.filter(pk__in=[u.pk for u in users[:4]]).union(
        model.objects.filter(pk__in=[u.pk for u in users[3:6]])
    )
    event = send_notification(type="post_like", title="Union", users=union)
    assert recipients_of(event) == {user.pk for user in users[:6]}
    assert event.notifications_count == 6
    group = Group.objects.create(name="members")
    group.user_set.add(*users[:5])
    grouped = model.objects.annotate(n=Count("groups")).filter(n__gt=0)
    event = send_notification(type="post_like", title="Grouped", users=grouped)
    assert recipients_of(event) == {user.pk for user in users[:5]}
    ids = grouped.values_list("pk", flat=True)
    assert send_notification(type="post_like", title="Ids", users=ids).notifications_count == 5


def test_one_column_audiences_bound_the_subquery_of_each_chunk(
    crowd: Crowd, small_batches: int
) -> None:
    """Each chunk restricts the column's own query too, so no chunk rescans all of it."""
    users = crowd(300)
    first = send_notification(type="post_comment", title="A", users=users)
    column = Notification.objects.filter(event=first).values_list("user_id", flat=True)
    ids = users_model().objects.filter(is_active=True).values_list("id", flat=True)
    # The subquery's alias is U0 ("U0" on Django 6).
    bounds = ((column, r'U0"?\."user_id" > \d+'), (ids, r'U0"?\."id" > \d+'))
    for audience, inner_bound in bounds:
        with CaptureQueriesContext(connection) as queries:
            event = send_notification(type="post_like", title="B", users=audience)
        assert event.notifications_count == 300
        inserts = [
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].startswith("INSERT") and "notifications_notification" in q["sql"]
        ]
        assert len(inserts) >= 3
        assert re.search(inner_bound, inserts[1]), inserts[1]


def test_pushes_of_sparse_audiences_with_gaps(
    crowd: Crowd,
    small_batches: int,
    outbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    users = crowd(1000)
    audiences = {
        "every third": users[::3],
        "two blocks with a gap": users[:150] + users[880:],
        "ends only": users[:60] + users[-60:],
    }
    for audience in audiences.values():
        outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            event = send_notification(type="post_like", title="Hi", users=audience)
        pushed = [push.user_id for push in outbox]
        assert len(pushed) == len(set(pushed)) == event.notifications_count == len(audience)
        assert set(pushed) == {user.pk for user in audience}
