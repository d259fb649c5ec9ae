"""Inbox states on PostgreSQL: ``python -m bench.grouping [--quick] [--keep]``.

1. Grouped vs ungrouped fan-out at 10k and 100k recipients (a fresh table
   each run; the local bus with nobody connected, so the write path alone): the
   ungrouped send, a grouped send that creates every row (the upsert's insert
   path) and a second grouped send that folds into every row (its update path).
2. On a 1M-row fixture (10k users x 100 events; a third read, two thirds
   seen, a tenth archived): the list page with and without the archive
   filter through the real view (query count and latency), the page's SQL
   against the 0.1 page (``ORDER BY id``, no archive or expiry filter), and
   the unread and unseen counts with their plans (index-only or not).

Runs in this process on its own database ``bench_inbox_<pid>`` (dropped at
the end unless ``--keep``) and writes ``bench/results/grouping.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from bench import common

DB = f"bench_inbox_{os.getpid()}"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _django(db: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.ours.settings"
    os.environ["BENCH_DB"] = db
    # The write path alone: the local bus with no socket in this process publishes nowhere.
    os.environ["BENCH_BUS"] = "local"
    import django

    django.setup()


def _sql(statement: str, params: list[Any] | None = None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def _users(n: int) -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    _sql(
        "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name,"
        " email, is_staff, is_active, date_joined)"
        " SELECT '!', false, 'user' || g, '', '', '', false, true, now()"
        " FROM generate_series(1, %s) g",
        [n],
    )
    _sql("ANALYZE")


def _clear() -> None:
    _sql("TRUNCATE notifications_notification, notifications_event CASCADE")


def _send(n: int, group: str | None) -> float:
    from django.contrib.auth.models import User

    from notifications.helpers import send_notification

    author = User.objects.get(pk=1)
    started = time.perf_counter()
    event = send_notification(
        type="post_like",
        title="ann liked your post",
        data={"post": 7},
        users=User.objects.filter(pk__lte=n),
        author=author,
        group=group,
    )
    seconds = time.perf_counter() - started
    assert event.notifications_count == n, (event.notifications_count, n)
    return seconds


def fanout(sizes: list[int], runs: int) -> list[dict[str, Any]]:
    """Interleaved runs of ungrouped, grouped (all new) and grouped (all folded) sends."""
    from notifications.models import Notification

    rows = []
    for n in sizes:
        plain, fresh, folded = [], [], []
        for run in range(runs):
            _clear()
            plain.append(_send(n, None))
            _clear()
            fresh.append(_send(n, "post:7:likes"))
            folded.append(_send(n, "post:7:likes"))
            assert Notification.objects.filter(count=2).count() == n
            log(
                f"fanout n={n} run {run + 1}/{runs}: ungrouped {n / plain[-1]:,.0f}/s, "
                f"grouped new {n / fresh[-1]:,.0f}/s, folded {n / folded[-1]:,.0f}/s"
            )
        rate = {
            name: n / statistics.median(s)
            for name, s in (("ungrouped", plain), ("grouped_new", fresh), ("grouped_fold", folded))
        }
        rows.append(
            {
                "n": n,
                "runs": runs,
                "ungrouped_per_s": rate["ungrouped"],
                "grouped_new_per_s": rate["grouped_new"],
                "grouped_fold_per_s": rate["grouped_fold"],
                "grouped_new_vs_ungrouped": rate["grouped_new"] / rate["ungrouped"],
                "grouped_fold_vs_ungrouped": rate["grouped_fold"] / rate["ungrouped"],
            }
        )
    _clear()
    return rows


def _fixture(users: int, events: int) -> int:
    """``users`` x ``events`` notifications in one statement; then VACUUM ANALYZE."""
    from notifications.models import Event, EventType, Notification

    like = EventType.objects.get(name="post_like")
    Event.objects.bulk_create(
        Event(type=like, title=f"event {i}", data={"i": i}, author_id=1 + i % 50)
        for i in range(events)
    )
    _sql(
        "INSERT INTO notifications_notification"
        " (user_id, event_id, delivered, count, readed, seen, archived)"
        " SELECT u, e.id, e.timestamp, 1,"
        " CASE WHEN (u + e.id) %% 3 = 0 THEN now() END,"
        " CASE WHEN (u + e.id) %% 3 <> 2 THEN now() END,"
        " CASE WHEN (u + e.id) %% 10 = 0 THEN now() END"
        " FROM generate_series(1, %s) u CROSS JOIN notifications_event e",
        [users],
    )
    from django.db import connection

    with connection.cursor() as cursor:  # VACUUM cannot run in a transaction block
        cursor.execute("VACUUM ANALYZE notifications_notification")
    return Notification.objects.count()


def _p50_us(samples: int, work: Callable[[int], Any], users: int) -> float:
    rng = random.Random(7)
    times = []
    for _ in range(samples):
        user = rng.randint(1, users)
        started = time.perf_counter()
        work(user)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e6


def _plan(queryset: Any) -> str:
    text: str = queryset.explain()
    return text


def listing(users: int, events: int, samples: int) -> dict[str, Any]:
    """The list page and the counts on the 1M-row fixture."""
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIRequestFactory, force_authenticate

    from notifications.models import Notification
    from notifications.views import NotificationsListView, UnreadCountView

    _clear()
    started = time.perf_counter()
    rows = _fixture(users, events)
    log(f"list: {rows:,} rows in {time.perf_counter() - started:.1f} s")
    factory = APIRequestFactory()
    people = {u.pk: u for u in User.objects.filter(pk__lte=users)}
    list_view = NotificationsListView.as_view()
    count_view = UnreadCountView.as_view()

    def call(view: Any, path: str, params: dict[str, str]) -> Callable[[int], Any]:
        def run(user: int) -> Any:
            request = factory.get(path, params)
            force_authenticate(request, user=people[user])
            response = view(request)
            response.render()
            assert response.status_code == 200, response.content
            return response

        return run

    endpoints = {
        "list_default": call(list_view, "/n/", {}),
        "list_archived": call(list_view, "/n/", {"archived": "true"}),
        "list_unseen": call(list_view, "/n/", {"seen": "false"}),
        "unread_count": call(count_view, "/n/unread-count", {}),
    }
    result: dict[str, Any] = {"rows": rows, "users": users}
    for name, run in endpoints.items():
        run(1)  # warm-up
        queries = set()
        for user in (1, users // 2, users):
            with CaptureQueriesContext(connection) as captured:
                run(user)
            queries.add(len(captured.captured_queries))
        result[name] = {"p50_us": _p50_us(samples, run, users), "queries": sorted(queries)}
        log(f"list: {name} p50 {result[name]['p50_us']:.0f} µs, queries {sorted(queries)}")

    def old_page(user: int) -> Any:
        rows = Notification.objects.filter(user_id=user).select_related("event", "event__type")
        return len(list(rows.order_by("-pk")[:20])), rows.count()

    def new_page(user: int) -> Any:
        rows = Notification.objects.filter(user_id=user).current().unarchived().with_event()
        return len(list(rows[:20])), rows.count()

    for name, work in (("sql_page_0_1", old_page), ("sql_page_now", new_page)):
        work(1)
        result[name] = {"p50_us": _p50_us(samples, work, users)}
    result["sql_page_now_vs_0_1"] = (
        result["sql_page_now"]["p50_us"] / result["sql_page_0_1"]["p50_us"]
    )
    from notifications.badges import badge_counts

    def count(user: int) -> Any:
        return badge_counts([people[user].pk])

    # Both badges are one statement (notifications.badges); each half's plan below.
    result["counts_sql"] = {"p50_us": _p50_us(samples, count, users)}
    for name in ("unread", "unseen"):
        live = Notification.objects.filter(user_id=users // 2).unarchived().current()
        # The columns COUNT(*) needs: answered from the index alone or not.
        rows = live.unread() if name == "unread" else live.unseen()
        plan = _plan(rows.order_by().values_list("user_id", "expires"))
        result[f"{name}_count_plan"] = {"plan": plan, "index_only": "Index Only Scan" in plan}
    log(
        f"list: SQL page {result['sql_page_now']['p50_us']:.0f} µs vs 0.1's "
        f"{result['sql_page_0_1']['p50_us']:.0f} µs; both counts "
        f"{result['counts_sql']['p50_us']:.0f} µs"
    )
    return result


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "# Inbox states on PostgreSQL (`python -m bench.grouping`)",
        "",
        f"{results['meta']['date']}, {'quick' if results['meta']['quick'] else 'full'} run, "
        f"{results['meta']['seconds']:.0f} s. Medians; the write path (nobody connected).",
        "",
        "| recipients | ungrouped /s | grouped, new rows /s | grouped, folded /s "
        "| new vs ungrouped | folded vs ungrouped |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results["fanout"]:
        lines.append(
            f"| {row['n']:,} | {row['ungrouped_per_s']:,.0f} | {row['grouped_new_per_s']:,.0f} "
            f"| {row['grouped_fold_per_s']:,.0f} | {row['grouped_new_vs_ungrouped']:.0%} "
            f"| {row['grouped_fold_vs_ungrouped']:.0%} |"
        )
    listed = results["list"]
    lines += [
        "",
        f"List on {listed['rows']:,} rows ({listed['users']:,} users), in-process view "
        "(DRF, force_authenticate; no HTTP):",
        "",
        "| request | p50 µs | queries (3 users) |",
        "|---|---:|---|",
    ]
    for name in ("list_default", "list_archived", "list_unseen", "unread_count"):
        lines.append(f"| {name} | {listed[name]['p50_us']:,.0f} | {listed[name]['queries']} |")
    lines += [
        "",
        "| SQL | p50 µs |",
        "|---|---:|",
        f"| page of 0.1 (ORDER BY id, no filters) + COUNT "
        f"| {listed['sql_page_0_1']['p50_us']:,.0f} |",
        f"| page now (newest delivered, not archived, not expired) + COUNT "
        f"| {listed['sql_page_now']['p50_us']:,.0f} |",
        f"| unread + unseen counts, one statement (index-only: unread "
        f"{listed['unread_count_plan']['index_only']}, unseen "
        f"{listed['unseen_count_plan']['index_only']}) | {listed['counts_sql']['p50_us']:,.0f} |",
        "",
        f"Page now / page of 0.1: {listed['sql_page_now_vs_0_1']:.2f}.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.grouping", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10k fan-out only, 100k-row list")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args(argv)
    sizes, runs, users, events, samples = (
        ([10_000], 3, 1_000, 100, 300) if args.quick else ([10_000, 100_000], 3, 10_000, 100, 1000)
    )
    started = time.monotonic()
    common.recreate_database(DB)
    try:
        _django(DB)
        _users(max(sizes))
        results: dict[str, Any] = {"fanout": fanout(sizes, runs)}
        results["list"] = listing(users, events, samples)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            common.drop_database(DB)
    results["meta"] = {
        "quick": args.quick,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "seconds": time.monotonic() - started,
    }
    out = common.BENCH / "results"
    suffix = "-quick" if args.quick else ""
    (out / f"grouping{suffix}.json").write_text(json.dumps(results, indent=2) + "\n")
    text = markdown(results)
    (out / f"grouping{suffix}.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
