"""Measure fan-out on PostgreSQL: ``.venv/bin/python -m tests.fanout.measure``.

Not collected by pytest. Creates a database of its own (``notifications_measure_<pid>``)
on the services leg's PostgreSQL, fills it with users by SQL, and runs each send
in a fresh child process so its peak RSS is its own. Pushes are built exactly as
in production but handed to a counting transport (nothing leaves the process).

Each line reports wall time (and its split: rows written, COMMIT, pushes built),
notifications per second, SQL statements, and the child's baseline and peak RSS.

Options: ``--sizes 10000 100000`` (sends to every user), ``--big 1000000`` (the
memory check; 0 to skip), ``--batch-size N`` (``FANOUT_BATCH_SIZE``),
``--audiences all ids values_list`` (``users=None``, a list of ids, a
``values_list`` QuerySet), ``--explain`` (plans of one chunk for several
audience shapes).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from typing import Any

DB_ENV = "NOTIFICATIONS_MEASURE_DB"


def rss_mib() -> float:
    """Current resident set size of this process, in MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup_django(db_name: str | None = None) -> None:
    """Configure Django with the measuring settings (on ``db_name`` if given)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.fanout.measure_settings"
    import django
    from django.conf import settings

    if db_name:
        settings.DATABASES["default"]["NAME"] = db_name
    django.setup()


def fill_users(total: int) -> None:
    """Add users by SQL until there are ``total``; the password is unusable."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    user_model = get_user_model()
    existing = user_model.objects.count()
    if existing >= total:
        return
    opts = user_model._meta
    login = opts.get_field(user_model.USERNAME_FIELD).column
    suffix = "@example.com" if user_model.USERNAME_FIELD == "email" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{opts.db_table}"'
            f' (password, is_superuser, is_active, is_staff, "{login}")'
            " SELECT '!', false, true, false, 'user' || g || %s"
            f" FROM generate_series(%s, %s) AS g",
            [suffix, existing + 1, total],
        )
        cursor.execute(f'ANALYZE "{opts.db_table}"')


def reset_notifications() -> None:
    """Empty the notification and event tables between runs."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE notifications_notification, notifications_event RESTART IDENTITY CASCADE"
        )


def child(audience: str) -> dict[str, Any]:
    """One send to every user (or to an explicit id list); runs in its own process."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from notifications.conf import notifications_settings
    from notifications.helpers import send_notification
    from tests.fanout.counting import CountingTransport

    user_model = get_user_model()
    users: Any = None
    if audience == "ids":
        users = list(user_model.objects.values_list("pk", flat=True))
    elif audience == "values_list":
        users = user_model.objects.filter(is_active=True).values_list("pk", flat=True)
    connection.ensure_connection()
    baseline = rss_mib()
    started = time.perf_counter()
    committed: list[float] = []
    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        # Registered first, so it runs first after commit (before the pushes).
        transaction.on_commit(lambda: committed.append(time.perf_counter() - started))
        event = send_notification(type="post_like", title="Measured", users=users)
        written = time.perf_counter() - started
        # Leaving the block commits and runs the pushes (built, counted, not sent).
    elapsed = time.perf_counter() - started
    return {
        "audience": audience,
        "batch_size": notifications_settings.FANOUT_BATCH_SIZE,
        "notifications": event.notifications_count,
        "pushes": CountingTransport.sent,
        "seconds": round(elapsed, 2),
        "write_seconds": round(written, 2),
        # COMMIT runs PostgreSQL's deferred foreign-key checks of every new row.
        "commit_seconds": round(committed[0] - written, 2),
        "push_seconds": round(elapsed - committed[0], 2),
        "per_second": round(event.notifications_count / elapsed),
        "statements": len(queries),
        "baseline_rss_mib": round(baseline, 1),
        "peak_rss_mib": round(peak_rss_mib(), 1),
        "growth_mib": round(peak_rss_mib() - baseline, 1),
    }


def run_child(db_name: str, audience: str, batch_size: int | None) -> dict[str, Any]:
    """Run :func:`child` in a fresh interpreter and return its figures."""
    env = {**os.environ, DB_ENV: db_name}
    if batch_size:
        env["NOTIFICATIONS_MEASURE_BATCH"] = str(batch_size)
    command = [sys.executable, "-m", "tests.fanout.measure", "--child", audience]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800)
    if done.returncode:
        raise RuntimeError(done.stderr)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def explain() -> None:
    """Print the plan of the second chunk for several audience shapes."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from notifications.conf import notifications_settings
    from notifications.fanout.audience import resolve_audience
    from notifications.fanout.sql import insert_sql
    from notifications.models import Event, EventType, Notification

    user_model = get_user_model()
    event_type = EventType.objects.get(name="post_like")
    shapes = {
        "all users (None)": None,
        "filtered QuerySet": user_model.objects.filter(is_active=True, is_staff=False),
        'values_list("id", flat=True)': user_model.objects.filter(is_active=True).values_list(
            "id", flat=True
        ),
        "another model's user_id": Notification.objects.values_list("user_id", flat=True),
        "sliced QuerySet": user_model.objects.order_by("pk")[:50000],
    }
    size = notifications_settings.FANOUT_BATCH_SIZE
    with transaction.atomic():
        seed = Event.objects.create(type=event_type, title="seed")
        Notification.objects.bulk_create(
            Notification(event=seed, user_id=pk)
            for pk in user_model.objects.values_list("pk", flat=True)[:20000]
        )
        event = Event.objects.create(type=event_type, title="explained")
        for name, users in shapes.items():
            chunks = resolve_audience(users).chunks(size)
            next(chunks)
            chunk = next(chunks)
            sql, params = insert_sql(event, chunk)
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) " + sql, params)
                plan = "\n".join(row[0] for row in cursor.fetchall())
            print(f"== {name}\n{plan}\n")
        transaction.set_rollback(True)


def main(argv: list[str] | None = None) -> None:
    """Create the database, run each send in a child process, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--audiences", nargs="*", default=["all"])
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        setup_django(os.environ[DB_ENV])
        if os.environ.get("NOTIFICATIONS_MEASURE_BATCH"):
            from django.conf import settings

            settings.NOTIFICATIONS = {
                **settings.NOTIFICATIONS,
                "FANOUT_BATCH_SIZE": int(os.environ["NOTIFICATIONS_MEASURE_BATCH"]),
            }
        print(json.dumps(child(args.child)))
        return

    setup_django()
    from django.db import connection

    db_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        if args.explain:
            fill_users(max(args.sizes))
            explain()
            return
        runs = [(size, audience) for size in args.sizes for audience in args.audiences]
        if args.big:
            runs.append((args.big, "all"))
        for size, audience in runs:
            fill_users(size)
            reset_notifications()
            connection.close()
            result = run_child(db_name, audience, args.batch_size)
            print(json.dumps({"users": size, **result}), flush=True)
    finally:
        connection.close()
        connection.creation.destroy_test_db(db_name, verbosity=0)


if __name__ == "__main__":
    main()
