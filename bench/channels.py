"""``python -m bench.channels [--users N] [--runs R]``: what email and Web Push cost.

1. The in-app fan-out to N users (PostgreSQL, ``send_notification`` with a
   QuerySet audience), for a type without channels and for one with email and
   Web Push: wall time of the call, SQL statements inside its transaction, and
   tasks enqueued (django-tasks-db's DatabaseBackend; nothing runs here).
2. ``plan_event`` for that event: queueing the ``deliver_batch`` tasks.
3. The digest job for N users with unread notifications, 10% of them read
   meanwhile: batches of ``DIGEST_BATCH_SIZE`` users, each email rendered (three
   templates) and built as MIME (``message.message()``) by a counting backend
   (no SMTP serialisation: that is the mail backend's cost), queries per batch.

Writes ``bench/results/channels.{json,md}``. Database ``bench_channels_<pid>``,
dropped at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import PG, PG_USER, drop_database, recreate_database

RESULTS = Path(__file__).resolve().parent / "results"
EVENTS = [
    {"name": "plain", "title": "In-app only"},
    {"name": "mention", "title": "Mentions", "channels": ["in_app", "email", "web_push"]},
    {
        "name": "weekly",
        "title": "Weekly news",
        "channels": {"email": {"digest": {"after_minutes": 30, "every_hours": 6}}},
    },
]


class CountingBackend:
    """A mail backend that builds each MIME message, as every backend does, and counts it."""

    sent = 0

    def __init__(self, **kwargs: Any) -> None:
        pass

    def __enter__(self) -> CountingBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        for message in messages:
            message.message()
        CountingBackend.sent += len(messages)
        return len(messages)


def __getattr__(name: str) -> Any:
    # ROOT_URLCONF: built on first use, once Django is set up (the unsubscribe links).
    if name == "urlpatterns":
        from django.urls import include, path

        return [path("notifications/", include("notifications.urls"))]
    raise AttributeError(name)


def counting_backend() -> type[CountingBackend]:
    """The class Django loads from EMAIL_BACKEND (``-m`` runs this file as ``__main__``)."""
    from django.utils.module_loading import import_string

    backend: type[CountingBackend] = import_string("bench.channels.CountingBackend")
    return backend


def django_settings(database: str, events: list[Any]) -> dict[str, Any]:
    """The channel benches' Django settings: PostgreSQL ``database``, the task queue, a VAPID key.

    ``NOTIFICATIONS`` holds what every channel bench needs; callers add their own keys.
    """
    from py_vapid import Vapid

    key = Vapid()
    key.generate_keys()
    return {
        "SECRET_KEY": "bench-only",
        "USE_TZ": True,
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
        "INSTALLED_APPS": [
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django_tasks_db",
            "notifications",
        ],
        "DATABASES": {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "HOST": PG["host"],
                "PORT": PG["port"],
                "USER": PG_USER,
                "NAME": database,
            }
        },
        "TEMPLATES": [
            {"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}
        ],
        "TASKS": {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}},
        "EVENTS": events,
        "NOTIFICATIONS": {
            "BASE_URL": "https://example.com",
            # No socket in this process: the send publishes one pointer and renders nothing.
            "BUS": "local",
            "WEB_PUSH_VAPID_PRIVATE_KEY": key.private_pem().decode(),
            "WEB_PUSH_CONTACT": "mailto:bench@example.com",
        },
    }


def configure(database: str) -> None:
    import django
    from django.conf import settings

    settings.configure(
        **django_settings(database, EVENTS),
        ROOT_URLCONF="bench.channels",  # urlpatterns below
        EMAIL_BACKEND="bench.channels.CountingBackend",
    )
    django.setup()


def create_users(n: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, "
            "email, is_staff, is_active, date_joined) "
            "SELECT '!', false, 'u' || i, '', '', 'u' || i || '@example.com', false, true, now() "
            "FROM generate_series(1, %s) AS i",
            [n],
        )


def timed_send(type_name: str) -> dict[str, Any]:
    """One ``send_notification`` to every user: seconds, statements, tasks enqueued."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django_tasks_db.models import DBTaskResult

    from notifications.helpers import send_notification

    before = DBTaskResult.objects.count()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        event = send_notification(type=type_name, title="Hi", users=get_user_model().objects.all())
        seconds = time.perf_counter() - started
    return {
        "event": event.pk,
        "seconds": seconds,
        "statements": len(queries),
        "enqueued": DBTaskResult.objects.count() - before,
        "notifications": event.notifications_count,
    }


def fan_out(runs: int, log: Any) -> dict[str, Any]:
    from django_tasks_db.models import DBTaskResult

    from notifications.outbound import tasks

    results: dict[str, Any] = {}
    for type_name in ("plain", "mention"):
        rows = []
        for run in range(runs):
            rows.append(timed_send(type_name))
            log(f"fan-out {type_name} run {run + 1}: {rows[-1]['seconds']:.3f} s")
        results[type_name] = {
            "median_seconds": statistics.median(r["seconds"] for r in rows),
            "runs": [r["seconds"] for r in rows],
            "statements": rows[-1]["statements"],
            "enqueued": rows[-1]["enqueued"],
            "notifications": rows[-1]["notifications"],
        }
    before = DBTaskResult.objects.count()
    started = time.perf_counter()
    batches = tasks.plan_event.call(rows[-1]["event"])
    results["plan_event"] = {
        "seconds": time.perf_counter() - started,
        "deliver_tasks": batches,
        "enqueued": DBTaskResult.objects.count() - before,
    }
    return results


def digest(n: int, log: Any) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from notifications.conf import notifications_settings
    from notifications.helpers import send_notification
    from notifications.models import Delivery, Event, Notification
    from notifications.outbound import digests

    event = send_notification(type="weekly", title="Weekly", users=get_user_model().objects.all())
    Event.objects.filter(pk=event.pk).update(timestamp=timezone.now() - datetime.timedelta(hours=1))
    read = n // 10
    ids = Notification.objects.filter(event=event).order_by("pk").values("pk")[:read]
    Notification.objects.filter(pk__in=ids).update(readed=timezone.now())
    backend = counting_backend()
    backend.sent = 0
    size = notifications_settings.DIGEST_BATCH_SIZE
    started = time.perf_counter()
    batch_queries = []
    page_seconds = 0.0
    pages = digests.due_user_batches(timezone.now(), size)
    while True:
        page_started = time.perf_counter()
        users = next(pages, None)
        page_seconds += time.perf_counter() - page_started
        if users is None:
            break
        with CaptureQueriesContext(connection) as queries:
            digests.send_batch(users)
        batch_queries.append(len(queries))
        if len(batch_queries) % 20 == 0:
            log(f"digest: {len(batch_queries)} batches, {backend.sent} emails")
    seconds = time.perf_counter() - started
    return {
        "users": n,
        "read_meanwhile": read,
        "emails": backend.sent,
        "seconds": seconds,
        "emails_per_second": backend.sent / seconds,
        "batches": len(batch_queries),
        "batch_size": size,
        "queries_per_batch": sorted(set(batch_queries)),
        "paging_seconds": page_seconds,
        "records_sent": Delivery.objects.filter(digest=True, status="sent").count(),
    }


def markdown(result: dict[str, Any]) -> str:
    f, d = result["fan_out"], result["digest"]
    plain, mention = f["plain"], f["mention"]
    lines = [
        f"# Channels benchmark ({result['date']}, {result['users']:,} users, PostgreSQL)",
        "",
        "| what | figure |",
        "|---|---|",
        f"| in-app fan-out, type without channels | {plain['median_seconds']:.3f} s "
        f"(median of {len(plain['runs'])}), {plain['statements']} statements, "
        f"{plain['enqueued']} tasks |",
        f"| in-app fan-out, type with email + Web Push | {mention['median_seconds']:.3f} s, "
        f"{mention['statements']} statements, {mention['enqueued']} task enqueued |",
        f"| plan_event (queue the delivery batches) | {f['plan_event']['seconds']:.3f} s, "
        f"{f['plan_event']['deliver_tasks']} deliver_batch tasks |",
        f"| digest job | {d['emails']:,} emails to {d['users']:,} users "
        f"({d['read_meanwhile']:,} read meanwhile, none emailed) in {d['seconds']:.1f} s "
        f"({d['emails_per_second']:,.0f}/s) |",
        f"| digest batches | {d['batches']} of {d['batch_size']} users, "
        f"{d['queries_per_batch']} queries each; paging {d['paging_seconds']:.2f} s |",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.channels", description=__doc__)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args(argv)

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    database = f"bench_channels_{os.getpid()}"
    recreate_database(database)
    try:
        configure(database)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        create_users(args.users)
        log(f"{args.users} users in {database}")
        result = {
            "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "users": args.users,
            "fan_out": fan_out(args.runs, log),
            "digest": digest(args.users, log),
        }
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            drop_database(database)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "channels.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "channels.md").write_text(markdown(result))
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
