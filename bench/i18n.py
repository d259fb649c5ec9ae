"""Translated rows vs literal rows: ``python -m bench --only i18n`` (or ``python -m bench.i18n``).

1. The list page (the plain-rows path through the real view, in-process: DRF's
   request factory, ``force_authenticate``, no HTTP) of Polish readers
   (``USER_LANGUAGE``), each with as many literal rows as translatable ones
   (params, rendered from the catalogue at read time): the same user, the same
   query shape (``?type=``), one page of each kind in turn. The target is
   translated / literal <= 1.10 (issue 27).
2. The write path: one send to N users with a literal title and with a
   translatable one (the local bus, nobody connected): the fan-out renders
   nothing per recipient, so the two should cost the same.

Runs in a fresh process on its own PostgreSQL database ``bench_i18n_<pid>``
(dropped at the end); ``python -m bench --only i18n`` records it with the other
scenarios (``bench/results``), ``python -m bench.i18n [--quick]`` just prints it.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from typing import Any

from bench import common
from bench.shared import INSERT_USERS_SQL

DB = f"bench_i18n_{os.getpid()}"
#: The test suite's Polish catalogue holds the messages sent here.
LOCALE = common.ROOT / "tests" / "testapp" / "locale"
TITLE = "%(author)s liked your post"
#: The type of each kind of row: a reader lists one or the other with ``?type=``.
TYPES = {"literal": "post_like", "translated": "post_comment"}
MESSAGE = "Post: %(post)s"


def language_of(user: Any) -> str:
    """The bench's ``USER_LANGUAGE``: a field read, as the docs advise (odd ids read Polish)."""
    return "pl" if user.pk % 2 else "en"


def _django() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.ours.settings"
    os.environ["BENCH_DB"] = DB
    os.environ["BENCH_BUS"] = "local"  # the write path alone: nobody is connected
    import django

    django.setup()


def _sql(statement: str, params: list[Any] | None = None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def _fixture(users: int, events: int) -> None:
    """``users`` users, each with ``events`` literal rows (``post_like``) and ``events``
    translatable ones (``post_comment``)."""
    from django.core.management import call_command

    from notifications.i18n import gettext_lazy
    from notifications.models import Event, EventType
    from notifications.validation import validate_send

    call_command("migrate", verbosity=0)
    _sql(INSERT_USERS_SQL, [users])
    like = EventType.objects.get(name="post_like")
    literal, translated = [], []
    for i in range(events):
        literal.append(Event(type=like, title=f"user{1 + i % 50} liked your post", author_id=1))
        valid = validate_send(
            type="post_comment",
            title=gettext_lazy(TITLE),
            message=gettext_lazy(MESSAGE),
            params={"post": f"Post {i}"},
        )
        fields = {**valid.fields, "author_id": 1 + i % 50}
        del fields["author"]
        translated.append(Event(**fields))
    Event.objects.bulk_create(literal + translated)
    _sql(
        "INSERT INTO notifications_notification (user_id, event_id, delivered, count)"
        " SELECT u, e.id, e.timestamp, 1 FROM generate_series(1, %s) u"
        " CROSS JOIN notifications_event e",
        [users],
    )
    from django.db import connection

    with connection.cursor() as cursor:  # VACUUM cannot run in a transaction block
        cursor.execute("VACUUM ANALYZE")


def _listing(users: int, rounds: int, batch: int) -> dict[str, Any]:
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIRequestFactory, force_authenticate

    from notifications.views import NotificationsListView

    factory = APIRequestFactory()
    view = NotificationsListView.as_view()
    people = {u.pk: u for u in User.objects.filter(pk__lte=users)}

    def page(user_id: int, kind: str) -> dict[str, Any]:
        request = factory.get("/n/", {"type": TYPES[kind]})
        force_authenticate(request, user=people[user_id])
        response = view(request)
        response.render()
        assert response.status_code == 200, response.content
        body: dict[str, Any] = json.loads(response.content)
        return body

    literal = page(1, "literal")["results"][0]["event"]
    polish = page(1, "translated")["results"][0]["event"]
    assert "text" not in literal, "literal rows carry no text"
    assert "polubił(a) Twój wpis" in polish["title"], polish
    queries = {}
    for name in ("literal", "translated"):
        with CaptureQueriesContext(connection) as captured:
            page(1, name)
        queries[name] = len(captured.captured_queries)
    samples: dict[str, list[float]] = {"literal": [], "translated": []}
    cpu: dict[str, float] = {"literal": 0.0, "translated": 0.0}
    kinds = ("literal", "translated")
    for n in range(rounds * batch):
        # One page of each kind in turn (the order alternating too): the machine's
        # drift and its neighbours' load fall on both alike.
        for name in kinds if n % 2 == 0 else kinds[::-1]:
            user_id = 1 + 2 * (n % (users // 2))  # odd users read Polish (language_of)
            started_cpu, started = time.process_time(), time.perf_counter()
            page(user_id, name)
            samples[name].append(time.perf_counter() - started)
            cpu[name] += time.process_time() - started_cpu
    p50 = {name: statistics.median(values) * 1e6 for name, values in samples.items()}
    return {
        "users": users,
        "samples": {name: len(values) for name, values in samples.items()},
        "p50_us": p50,
        "cpu_ms_per_page": {name: cpu[name] / len(samples[name]) * 1e3 for name in cpu},
        "ratio_p50": p50["translated"] / p50["literal"],
        "ratio_cpu": cpu["translated"] / cpu["literal"],
        "queries": queries,
        "example": {"literal": literal["title"], "translated": polish["title"]},
    }


def _fanout(recipients: int, runs: int) -> dict[str, Any]:
    from django.contrib.auth.models import User

    from notifications.helpers import send_notification
    from notifications.i18n import gettext_lazy

    audience = User.objects.filter(pk__lte=recipients)
    kinds = {
        "literal": {"title": "user1 liked your post", "message": "Post: Post 1"},
        "translated": {
            "title": gettext_lazy(TITLE),
            "message": gettext_lazy(MESSAGE),
            "params": {"post": "Post 1"},
        },
    }
    times: dict[str, list[float]] = {"literal": [], "translated": []}
    for run in range(runs):
        for name in ("literal", "translated") if run % 2 == 0 else ("translated", "literal"):
            started = time.perf_counter()
            event = send_notification(type="post_comment", users=audience, **kinds[name])
            times[name].append(time.perf_counter() - started)
            assert event.notifications_count == recipients
    best = {name: min(values) for name, values in times.items()}
    return {
        "recipients": recipients,
        "runs": runs,
        "seconds_min": best,
        "ratio": best["translated"] / best["literal"],
    }


def run(quick: bool = False) -> dict[str, Any]:
    """Both measurements on a fresh database; the figures as a dict."""
    users, events, rounds, batch, recipients, runs = (
        (2_000, 25, 6, 50, 2_000, 3) if quick else (10_000, 50, 10, 100, 10_000, 5)
    )
    common.recreate_database(DB)
    try:
        _django()
        from django.test import override_settings

        with override_settings(
            LOCALE_PATHS=[str(LOCALE)],
            NOTIFICATIONS={
                "BUS": "local",
                "USER_LANGUAGE": "bench.i18n.language_of",
            },
        ):
            started = time.perf_counter()
            _fixture(users, events)
            fixture_seconds = time.perf_counter() - started
            result: dict[str, Any] = {
                "fixture_seconds": fixture_seconds,
                "list": _listing(users, rounds, batch),
                "fanout": _fanout(recipients, runs),
            }
    finally:
        from django.db import connections

        connections.close_all()
        common.drop_database(DB)
    result["quick"] = quick
    result["rows"] = users * events * 2
    return result


def markdown(result: dict[str, Any]) -> list[str]:
    """The section of ``bench/results``' report."""
    lst, fan = result["list"], result["fanout"]
    return [
        "## i18n: the list with translated rows vs literal rows (issue 27)",
        "",
        f"{lst['users']:,} users x {result['rows'] // lst['users']:,} rows "
        f"({result['rows']:,}), half literal, half translatable; the plain-rows list page "
        f"in-process (no HTTP) of Polish readers (USER_LANGUAGE), "
        f"{lst['samples']['literal']:,} pages of each kind, one of each in turn (`?type=` "
        "picks the kind). Literal: stored titles; translated: title and message rendered "
        "from the catalogue with params on every read, and `event.text` on the wire.",
        "",
        "| rows | p50 µs | CPU ms / page | queries |",
        "|---|---:|---:|---:|",
        *(
            f"| {name} | {lst['p50_us'][name]:,.0f} | {lst['cpu_ms_per_page'][name]:.2f} "
            f"| {lst['queries'][name]} |"
            for name in ("literal", "translated")
        ),
        "",
        f"translated / literal: p50 {lst['ratio_p50']:.3f}, CPU {lst['ratio_cpu']:.3f} "
        "(target <= 1.10).",
        "",
        f"Fan-out to {fan['recipients']:,} users (best of {fan['runs']}): literal "
        f"{fan['seconds_min']['literal'] * 1e3:.1f} ms, translated "
        f"{fan['seconds_min']['translated'] * 1e3:.1f} ms (ratio {fan['ratio']:.3f}): "
        "nothing is rendered per recipient at write time.",
        "",
    ]


def main(argv: list[str] | None = None) -> int:
    """Run in this process; print the section (``--json``: the figures, for ``bench.cli``)."""
    args = sys.argv[1:] if argv is None else argv
    result = run(quick="--quick" in args)
    print(json.dumps(result) if "--json" in args else "\n".join(markdown(result)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
