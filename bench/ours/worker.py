"""Our side's measurements, each run in a fresh process: ``python -m bench.ours.worker CMD``.

Every command prints one JSON document on its last stdout line.
"""

from __future__ import annotations

import logging
import os
import random
import time
from collections.abc import Callable
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.ours.settings")
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from bench.shared import (  # noqa: E402
    login_sessions,
    percentile,
    request_statements,
    run_worker,
    setup_users,
    timed_call,
)
from notifications.helpers import send_notification  # noqa: E402
from notifications.models import Event, EventType, Notification  # noqa: E402

TITLE = "Ann liked your post"


class _ErrorCounter(logging.Handler):
    """Counts the package's error logs (a failed push transport logs one and stops)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


ERRORS = _ErrorCounter()
logging.getLogger("notifications").addHandler(ERRORS)


def setup(users: str) -> dict[str, Any]:
    """Migrate and insert ``users`` users."""
    return setup_users(int(users))


def _clear() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"TRUNCATE {Notification._meta.db_table}, {Event._meta.db_table}"
            " RESTART IDENTITY CASCADE"
        )


def _audience(size: int) -> Any:
    """One user as an instance (what most apps pass), else a QuerySet of the first ``size``."""
    return User(pk=1) if size == 1 else User.objects.filter(pk__lte=size)


def _send(size: int) -> dict[str, Any]:
    """One ``send_notification`` to ``size`` users in the caller's transaction, timed.

    ``write_seconds`` runs to the COMMIT (everything before the first row, the
    rows, the count); ``push_seconds`` is what runs after it (the pushes).
    """
    committed = [0.0]
    events: list[Event] = []

    def call() -> None:
        started[0] = time.perf_counter()
        with transaction.atomic():
            transaction.on_commit(lambda: committed.__setitem__(0, time.perf_counter()))
            events.append(
                send_notification(
                    type="post_like", title=TITLE, data={"p": 7}, users=_audience(size)
                )
            )

    started = [0.0]
    result = timed_call(call)
    finished = started[0] + result["seconds"]
    assert events[0].notifications_count == size, (events[0].notifications_count, size)
    return {
        **result,
        "write_seconds": committed[0] - started[0],
        "push_seconds": finished - committed[0],
    }


def fanout(n: str) -> dict[str, Any]:
    """A send to the first ``n`` users: the first call of a fresh process, then a warm one.

    Cold: nothing has touched the database, the event type or the transport
    before the call, as in a management command, a task or a new worker.
    """
    size = int(n)
    cold = _send(size)
    _clear()
    _send(1)  # what a long-running process has done before
    _clear()
    warm = _send(size)
    _clear()
    return {"n": size, "cold": cold, "warm": warm, "transport_errors": ERRORS.count}


def fixed_cost(n: str, calls: str) -> dict[str, Any]:
    """Per-call cost at small ``n``: the first call of the process, then ``calls`` warm ones."""
    size = int(n)
    cold = _send(size)
    warm = [_send(size) for _ in range(int(calls))]
    _clear()
    keys = ("seconds", "write_seconds", "push_seconds", "cpu_seconds")
    return {
        "n": size,
        "cold": cold,
        "warm": {key: percentile([w[key] for w in warm], 50) for key in keys}
        | {"statements": warm[-1]["statements"], "calls": len(warm)},
        "transport_errors": ERRORS.count,
    }


def load_list(users: str, per_user: str, inbox_rows: str = "0") -> dict[str, Any]:
    """Fill the table: ``per_user`` events each sent to every user, a third of them read.

    Every user gets a DRF token (key = the user's id, zero-padded to 40). With
    ``inbox_rows``, one more user (not among the list's clients) gets that many
    notifications of as many events: the deep inbox of the ``inbox`` scenario.
    """
    event_type = EventType.objects.get(name="post_like")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO notifications_event (type_id, timestamp, author_id, title, message,"
            " data, notifications_count, key)"
            " SELECT %s, now() - (interval '1 minute' * (%s - g)), 1, 'Event ' || g, NULL,"
            " '{\"post\": 7}'::jsonb, %s, NULL FROM generate_series(1, %s) g",
            [event_type.pk, int(per_user), int(users), int(per_user)],
        )
        cursor.execute(
            "INSERT INTO notifications_notification (user_id, event_id, readed, seen,"
            " delivered, count)"
            " SELECT u.id, e.id, CASE WHEN mod(u.id + e.id, 3) = 0 THEN now() END,"
            " CASE WHEN mod(u.id + e.id, 3) = 0 THEN now() END, e.timestamp, 1"
            " FROM notifications_event e CROSS JOIN auth_user u ORDER BY e.id, u.id"
        )
        inbox = _load_inbox(cursor, event_type.pk, int(inbox_rows)) if int(inbox_rows) else None
        cursor.execute(
            "INSERT INTO authtoken_token (key, created, user_id)"
            " SELECT lpad(id::text, 40, '0'), now(), id FROM auth_user"
        )
        cursor.execute("VACUUM ANALYZE")
    return {
        "seconds": time.perf_counter() - started,
        "notifications": Notification.objects.count(),
        "inbox_user": inbox,
    }


def _load_inbox(cursor: Any, type_id: int, rows: int) -> dict[str, Any]:
    """One user with ``rows`` notifications; its token and a cursor ``rows / 2`` deep."""
    from urllib.parse import parse_qs, urlsplit

    from rest_framework.pagination import Cursor

    from notifications.api.pagination import NotificationCursorPagination

    user = User.objects.create(username="inbox", password="!")
    cursor.execute(
        "WITH e AS (INSERT INTO notifications_event (type_id, timestamp, author_id, title,"
        " message, data, notifications_count, key)"
        " SELECT %s, now() - (interval '1 second' * (%s - g)), 1, 'Inbox ' || g, NULL,"
        " '{\"post\": 7}'::jsonb, 1, NULL FROM generate_series(1, %s) g RETURNING id, timestamp)"
        " INSERT INTO notifications_notification (user_id, event_id, readed, seen,"
        " delivered, count)"
        " SELECT %s, id, CASE WHEN mod(id, 3) = 0 THEN now() END,"
        " CASE WHEN mod(id, 3) = 0 THEN now() END, timestamp, 1 FROM e ORDER BY id",
        [type_id, rows, rows, user.pk],
    )
    newest_first = Notification.objects.filter(user=user).order_by("-pk")
    deep_id = newest_first.values_list("pk", flat=True)[rows // 2 - 1]
    paginator = NotificationCursorPagination()
    paginator.base_url = "http://bench/notifications/"
    url = paginator.encode_cursor(Cursor(offset=0, reverse=False, position=str(deep_id)))
    return {
        "token": f"{user.pk:040d}",
        "rows": rows,
        "deep_id": deep_id,
        "deep_cursor": parse_qs(urlsplit(url).query)["cursor"][0],
    }


def sessions(count: str) -> dict[str, Any]:
    """Log in the first ``count`` users; return their session keys."""
    return {"sessions": login_sessions(int(count))}


def statements(path: str, auth: str) -> dict[str, Any]:
    """SQL statements of one GET of ``path``; ``auth`` is ``token:<key>`` or ``session:<key>``."""
    kind, _, key = auth.partition(":")
    if kind == "token":
        return {"statements": request_statements(path, headers={"Authorization": f"Token {key}"})}
    return {"statements": request_statements(path, cookies={"sessionid": key})}


def unread_count(samples: str) -> dict[str, Any]:
    """Round-trip time of the unread-count SQL for random users, µs."""
    from notifications import services

    rng = random.Random(7)
    ids = list(User.objects.values_list("pk", flat=True))
    captured: list[tuple[str, Any]] = []

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        captured.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        services.unread_count(User(pk=ids[0]))
    count_sql, first_params = captured[0]
    position = list(first_params).index(ids[0])
    sql_times, orm_times = [], []
    with connection.cursor() as cursor:
        for _ in range(int(samples)):
            params = list(first_params)
            params[position] = rng.choice(ids)
            started = time.perf_counter()
            cursor.execute(count_sql, params)
            cursor.fetchone()
            sql_times.append(time.perf_counter() - started)
            user = User(pk=rng.choice(ids))
            started = time.perf_counter()
            services.unread_count(user)
            orm_times.append(time.perf_counter() - started)
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {count_sql}", first_params)
        plan = [row[0] for row in cursor.fetchall()]
        # Execution time inside PostgreSQL, without the client round trip.
        server_times = []
        for _ in range(min(int(samples), 500)):
            params = list(first_params)
            params[position] = rng.choice(ids)
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {count_sql}", params)
            server_times.append(cursor.fetchone()[0][0]["Execution Time"] * 1000)
    return {
        "p50_us": percentile(sql_times, 50) * 1e6,
        "p99_us": percentile(sql_times, 99) * 1e6,
        "orm_p50_us": percentile(orm_times, 50) * 1e6,
        "server_p50_us": percentile(server_times, 50),
        "samples": len(sql_times),
        "sql": count_sql,
        "plan": plan,
    }


def memory(n: str) -> dict[str, Any]:
    """Peak RSS growth of one ``send_notification`` to every user (``n`` expected)."""
    send_notification(type="post_like", title=TITLE, users=User.objects.filter(pk=1))  # warm-up
    _clear()
    events: list[Event] = []
    result = timed_call(
        lambda: events.append(
            send_notification(type="post_like", title=TITLE, data={"post": 7}, users=None)
        )
    )
    _clear()
    return {
        "n": events[0].notifications_count,
        "expected": int(n),
        "rss_growth_mib": result["peak_rss_growth_mib"],
        "baseline_rss_mib": result["baseline_rss_mib"],
        "seconds": result["seconds"],
        "transport_errors": ERRORS.count,
    }


def subscribers(n: str, runs: str) -> dict[str, Any]:
    """Fan-out to an object's subscribers vs a plain QuerySet of them (bench/subscribers.py)."""
    from bench.ours import watchers

    return watchers.fanout(int(n), int(runs))


ESCALATION_EVENTS = [
    {"name": "post_like", "title": "Post liking", "description": "Someone liked your post"},
    {"name": "post_comment", "title": "Post commenting", "description": None},
    # A step that waits and a channel that does no I/O: what the package itself costs.
    {
        "name": "escalated",
        "title": "Escalated",
        "channels": ["locmem"],
        "escalation": [{"channel": "locmem", "after_minutes": 10, "if": "unread"}],
    },
    {"name": "at_once", "title": "At once", "channels": ["locmem"]},
]


def escalation(n: str, reads: str) -> dict[str, Any]:
    """What an escalation step costs per notification, for ``n`` recipients.

    send: ``send_notification`` of a plain type (the fan-out alone); plan: the
    ``plan_event`` task of a type with one delayed step (its ``scheduled`` rows,
    one ``INSERT ... SELECT``); due: ``run_due_steps`` once every step is due
    (claim under lock, condition checked, delivered by the no-I/O locmem channel,
    outcomes recorded); at_once: ``deliver_batch`` of the same rows on the same
    channel without escalation (the plain delivery it is compared with); read:
    one REST-less ``mark_read`` of one notification, with and without a pending
    step (the cancel in the read's transaction), median of ``reads``.
    """
    import datetime

    from django.test import override_settings
    from django.utils import timezone

    from notifications import services
    from notifications.event_types import sync_event_types
    from notifications.models import Delivery
    from notifications.outbound import locmem
    from notifications.outbound.tasks import deliver_batch, plan_event, run_due_steps

    size = int(n)
    channels = {
        "email": "notifications.outbound.email.EmailChannel",
        "locmem": "notifications.outbound.locmem.LocmemChannel",
    }
    with override_settings(
        EVENTS=ESCALATION_EVENTS,
        NOTIFICATIONS={"BUS": "local", "CHANNELS": channels, "CHANNEL_BATCH_SIZE": 500},
        TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}},
    ):
        sync_event_types()
        plain = timed_call(
            lambda: send_notification(type="post_like", title=TITLE, users=_audience(size))
        )
        _clear()
        events: list[Event] = []
        send = timed_call(
            lambda: events.append(
                send_notification(type="escalated", title=TITLE, users=_audience(size))
            )
        )
        plan = timed_call(lambda: plan_event.call(events[0].pk))
        scheduled = Delivery.objects.filter(status="scheduled").count()
        Delivery.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
        due = timed_call(lambda: run_due_steps.call("locmem"))
        sent = Delivery.objects.filter(status="sent").count()
        locmem.reset()
        Delivery.objects.all().delete()
        _clear()
        at_once_event = send_notification(type="at_once", title=TITLE, users=_audience(size))
        ids = list(Notification.objects.filter(event=at_once_event).values_list("pk", flat=True))
        at_once = timed_call(
            lambda: [deliver_batch.call("locmem", ids[i : i + 500]) for i in range(0, size, 500)]
        )
        locmem.reset()
        Delivery.objects.all().delete()
        _clear()
        # One read at a time: with a pending step (cancelled in its transaction) and without.
        read_times: dict[str, list[float]] = {"pending": [], "none": []}
        user = User.objects.get(pk=1)
        for kind, type_name in (("pending", "escalated"), ("none", "post_like")):
            for _ in range(int(reads)):
                event = send_notification(type=type_name, title=TITLE, users=user)
                if kind == "pending":
                    plan_event.call(event.pk)
                row = Notification.objects.get(event=event)
                started = time.perf_counter()
                services.mark_read(user, [row.pk])
                read_times[kind].append(time.perf_counter() - started)
        cancelled = Delivery.objects.filter(status="cancelled", reason="read").count()
        Delivery.objects.all().delete()
        _clear()
    return {
        "n": size,
        "plain_send": plain,
        "escalated_send": send,
        "plan": plan,
        "scheduled": scheduled,
        "due": due,
        "sent": sent,
        "at_once": at_once,
        "read_pending_ms": percentile(read_times["pending"], 50) * 1000,
        "read_none_ms": percentile(read_times["none"], 50) * 1000,
        "reads": int(reads),
        "cancelled": cancelled,
    }


COMMANDS: dict[str, Callable[..., dict[str, Any]]] = {
    "setup": setup,
    "fanout": fanout,
    "fixed_cost": fixed_cost,
    "load_list": load_list,
    "sessions": sessions,
    "statements": statements,
    "unread_count": unread_count,
    "memory": memory,
    "subscribers": subscribers,
    "escalation": escalation,
}

if __name__ == "__main__":
    run_worker(COMMANDS)
