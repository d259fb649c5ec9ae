"""Our side's measurements, each run in a fresh process: ``python -m bench.ours.worker CMD``.

Every command prints one JSON document on its last stdout line.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.ours.settings")
django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from bench.common import peak_rss_mib, reset_peak_rss, rss_mib  # noqa: E402
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
    """Migrate the (new, empty) database and insert ``users`` users in one statement."""
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name,"
            " email, is_staff, is_active, date_joined)"
            " SELECT '!', false, 'user' || g, '', '', '', false, true, now()"
            " FROM generate_series(1, %s) g",
            [int(users)],
        )
        cursor.execute("ANALYZE")
    return {"users": User.objects.count()}


def _clear() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"TRUNCATE {Notification._meta.db_table}, {Event._meta.db_table} RESTART IDENTITY"
        )


def _counting() -> tuple[list[int], Callable[..., Any]]:
    count = [0]

    def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        count[0] += 1
        return execute(sql, params, many, context)

    return count, counter


def fanout(n: str) -> dict[str, Any]:
    """Time one ``send_notification`` to a QuerySet of the first ``n`` users."""
    size = int(n)
    _clear()
    send_notification(type="post_like", title=TITLE, users=User.objects.filter(pk=1))  # warm-up
    _clear()
    gc.collect()
    audience = User.objects.filter(pk__lte=size)
    count, counter = _counting()
    committed = [0.0]
    reset_peak_rss()
    baseline = rss_mib()
    cpu = time.process_time()
    started = time.perf_counter()
    with connection.execute_wrapper(counter), transaction.atomic():
        transaction.on_commit(lambda: committed.__setitem__(0, time.perf_counter()))
        event = send_notification(type="post_like", title=TITLE, data={"post": 7}, users=audience)
    finished = time.perf_counter()
    assert event.notifications_count == size, (event.notifications_count, size)
    result = {
        "n": size,
        "seconds": finished - started,
        "write_seconds": committed[0] - started,
        "push_seconds": finished - committed[0],
        "transport_errors": ERRORS.count,
        "cpu_seconds": time.process_time() - cpu,
        "statements": count[0],
        "peak_rss_growth_mib": peak_rss_mib() - baseline,
    }
    _clear()
    return result


def load_list(users: str, per_user: str) -> dict[str, Any]:
    """Fill the table: ``per_user`` events each sent to every user, a third of them read.

    Also gives every user a DRF token (key = the user's id, zero-padded to 40).
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
            "INSERT INTO notifications_notification (user_id, event_id, readed)"
            " SELECT u.id, e.id, CASE WHEN mod(u.id + e.id, 3) = 0 THEN now() END"
            " FROM notifications_event e CROSS JOIN auth_user u ORDER BY e.id, u.id"
        )
        cursor.execute(
            "INSERT INTO authtoken_token (key, created, user_id)"
            " SELECT lpad(id::text, 40, '0'), now(), id FROM auth_user"
        )
        cursor.execute("VACUUM ANALYZE notifications_notification")
    return {
        "seconds": time.perf_counter() - started,
        "notifications": Notification.objects.count(),
    }


def unread_count(samples: str) -> dict[str, Any]:
    """Round-trip time of the unread-count SQL for random users, µs."""
    import random

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
        server_times.sort()
    sql_times.sort()
    orm_times.sort()
    return {
        "p50_us": sql_times[len(sql_times) // 2] * 1e6,
        "p99_us": sql_times[int(len(sql_times) * 0.99)] * 1e6,
        "orm_p50_us": orm_times[len(orm_times) // 2] * 1e6,
        "server_p50_us": server_times[len(server_times) // 2],
        "samples": len(sql_times),
        "sql": count_sql,
        "plan": plan,
    }


def memory(n: str) -> dict[str, Any]:
    """Peak RSS growth of one ``send_notification`` to every user (``n`` expected)."""
    send_notification(type="post_like", title=TITLE, users=User.objects.filter(pk=1))  # warm-up
    _clear()
    gc.collect()
    hwm_reset = reset_peak_rss()
    baseline = rss_mib() if hwm_reset else peak_rss_mib()
    started = time.perf_counter()
    event = send_notification(type="post_like", title=TITLE, data={"post": 7}, users=None)
    seconds = time.perf_counter() - started
    peak = peak_rss_mib()
    result = {
        "n": event.notifications_count,
        "expected": int(n),
        "baseline_rss_mib": baseline,
        "peak_rss_mib": peak,
        "rss_growth_mib": peak - baseline,
        "seconds": seconds,
        "transport_errors": ERRORS.count,
        # False: the kernel refused to reset VmHWM, so growth is over the setup's peak.
        "hwm_reset": hwm_reset,
    }
    _clear()
    return result


COMMANDS: dict[str, Callable[..., dict[str, Any]]] = {
    "setup": setup,
    "fanout": fanout,
    "load_list": load_list,
    "unread_count": unread_count,
    "memory": memory,
}

if __name__ == "__main__":
    if sys.argv[1] == "ws_send":
        from bench.ours.ws_sender import main as ws_main

        print(json.dumps(ws_main(*sys.argv[2:])))
    else:
        print(json.dumps(COMMANDS[sys.argv[1]](*sys.argv[2:])))
