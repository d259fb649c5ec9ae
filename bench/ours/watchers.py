"""Worker side of the ``subscribers`` scenario (``bench/subscribers.py``), run in a fresh process.

The same send, about one object, to the same users, two ways: to the object's
subscribers (``subscribers(post)``, read from the subscription table) and to a
plain QuerySet of those users; 1 % of them muted the object, so both
statements apply the mute (and the filter) and write the same rows. Then the
list with and without ``?with=target_muted``, in-process (DRF view, no HTTP).
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from rest_framework.test import APIRequestFactory, force_authenticate

from bench.shared import percentile, timed_call
from notifications.helpers import send_notification
from notifications.models import Event, Notification, Subscription
from notifications.subscriptions import subscribers as followers

MUTED_EVERY = 100  # one user in 100 muted the object

FOLLOW_SQL = (
    "INSERT INTO {table} (user_id, target_type_id, target_id, subscribed, created, muted_at)"
    " SELECT id, %s, %s, true, now(), CASE WHEN %s AND id %% {every} = 0 THEN now() END"
    " FROM auth_user WHERE id <= %s"
)


def _clear() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"TRUNCATE {Notification._meta.db_table}, {Event._meta.db_table}"
            " RESTART IDENTITY CASCADE"
        )


def _follow(n: int) -> tuple[Group, int]:
    """The first ``n`` users follow a post (1 % muted it) and another object; ANALYZE."""
    post, other = Group.objects.create(name="post"), Group.objects.create(name="other")
    content_type = ContentType.objects.get_for_model(Group)
    sql = FOLLOW_SQL.format(table=Subscription._meta.db_table, every=MUTED_EVERY)
    with connection.cursor() as cursor:
        cursor.execute(sql, [content_type.pk, str(post.pk), True, n])
        cursor.execute(sql, [content_type.pk, str(other.pk), False, n])
        cursor.execute("ANALYZE")
    return post, n - n // MUTED_EVERY


def _send(users: Any, post: Group, expected: int) -> dict[str, Any]:
    events: list[Event] = []
    result = timed_call(
        lambda: events.append(
            send_notification(type="post_like", title="New comment", users=users, target=post)
        )
    )
    assert events[0].notifications_count == expected, (events[0].notifications_count, expected)
    _clear()
    return result


def fanout(n: int, runs: int) -> dict[str, Any]:
    """``runs`` interleaved pairs (subscribers, plain QuerySet), warm, in one process."""
    post, expected = _follow(n)
    audiences = {
        "subscribers": lambda: followers(post),
        "queryset": lambda: User.objects.filter(pk__lte=n),
    }
    send_notification(type="post_like", title="warm up", users=[1], target=post)
    _clear()
    seconds: dict[str, list[float]] = {name: [] for name in audiences}
    statements: dict[str, int] = {}
    for i in range(runs):
        order = list(audiences) if i % 2 == 0 else list(reversed(audiences))
        for name in order:
            result = _send(audiences[name](), post, expected)
            seconds[name].append(result["seconds"])
            statements[name] = result["statements"]
    return {
        "n": n,
        "rows": expected,
        "seconds": seconds,
        "statements": statements,
        **_list_cost(post),
    }


def _list_cost(post: Group, rows: int = 1000, requests: int = 300) -> dict[str, Any]:
    """p50/p90 of the list (first page) for one user, plain and ``?with=target_muted``."""
    from notifications.api.views import NotificationsListView

    user = User.objects.get(pk=1)
    other = Group.objects.get(name="other")
    for i in range(rows):  # a third about the muted post, a third about another, a third none
        target = (post, other, None)[i % 3]
        send_notification(type="post_like", title=f"n{i}", users=[user], target=target)
    view = NotificationsListView.as_view()
    factory = APIRequestFactory()
    found: dict[str, Any] = {}
    for name, params in (("list_plain", {}), ("list_with_mutes", {"with": "target_muted"})):
        times = []
        for _ in range(requests):
            request = factory.get("/notifications/", params)
            force_authenticate(request, user=user)
            started = time.perf_counter()
            response = view(request)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200
        found[name] = {
            "p50_ms": percentile(times, 50) * 1000,
            "p90_ms": percentile(times, 90) * 1000,
        }
    _clear()
    return found
