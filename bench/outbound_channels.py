"""``python -m bench --only outbound_channels``: what declaring every channel costs a send,
and what each channel costs per message against its local stand-in.

1. The in-app fan-out to N users (PostgreSQL, ``send_notification`` with a
   QuerySet audience): a type without channels against a type that declares
   every channel (email, Web Push, FCM, SMS, Slack, Teams, Discord, webhook),
   runs interleaved, medians. The channel work is one task enqueued after
   commit (django-tasks-db's DatabaseBackend; nothing runs here).
2. Per channel, ``deliveries.run`` over M notifications (claim, render, POST,
   record) against the stand-ins of ``tests/outbound/stand_ins.py``, served by
   a separate process on 127.0.0.1 (so its threads do not share our GIL): ms
   per message and messages per second, every message accepted.

Database ``bench_outbound_<pid>``, dropped at the end.
"""

from __future__ import annotations

import datetime
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.channels import create_users, django_settings
from bench.common import BENCH, drop_database, recreate_database

CHANNELS = ["email", "web_push", "fcm", "sms", "slack", "teams", "discord", "webhook"]
EVENTS = [
    {"name": "plain", "title": "In-app only"},
    {"name": "every", "title": "Every channel", "channels": ["in_app", *CHANNELS]},
    *({"name": f"only_{c}", "title": c, "channels": [c]} for c in CHANNELS[2:]),
]
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def phone(user: Any) -> str:
    """``SMS_PHONE_NUMBER`` of the bench: a number per user."""
    return f"+1555{user.pk:07d}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def stand_ins() -> Iterator[tuple[str, dict[str, Any]]]:
    """The stand-ins in their own process: (origin, the FCM service account)."""
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.outbound.stand_ins", str(port)],
            cwd=folder,
            env={**os.environ, "PYTHONPATH": str(BENCH.parent)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        account = Path(folder) / "stand-in-service-account.json"
        try:
            for _ in range(200):
                if account.exists() and account.stat().st_size:
                    break
                time.sleep(0.05)
            time.sleep(0.2)
            yield f"http://127.0.0.1:{port}", json.loads(account.read_text())
        finally:
            process.terminate()
            process.wait(10)


def configure(database: str, origin: str, account: dict[str, Any]) -> None:
    import django
    from django.conf import settings

    values = django_settings(database, EVENTS)
    values["NOTIFICATIONS"] |= {
        "OUTBOUND_UNSAFE_ALLOW": ["127.0.0.1/32"],
        "FCM_CREDENTIALS": account,
        "FCM_API_URL": origin,
        "SMS_PHONE_NUMBER": "bench.outbound_channels.phone",
        "TWILIO_ACCOUNT_SID": "AC00000000000000000000000000000001",
        "TWILIO_AUTH_TOKEN": "twilio-test-token",
        "TWILIO_FROM": "+15550000000",
        "TWILIO_API_URL": origin,
        "SLACK_WEBHOOK_URLS": {"*": f"{origin}/slack/ok/team"},
        "TEAMS_WEBHOOK_URLS": {"*": f"{origin}/teams/ok/team"},
        "DISCORD_WEBHOOK_URLS": {"*": f"{origin}/discord/ok/team"},
        "WEBHOOK_ENDPOINTS": {"main": {"url": f"{origin}/hooks/main", "secret": SECRET}},
    }
    settings.configure(**values, EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
    django.setup()


def fan_out(runs: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Interleaved sends to every user: in-app only, then every channel declared."""
    from django.contrib.auth import get_user_model
    from django_tasks_db.models import DBTaskResult

    from notifications.helpers import send_notification
    from notifications.outbound.registry import available_channels

    assert set(CHANNELS) <= set(available_channels()), available_channels()
    seconds: dict[str, list[float]] = {"plain": [], "every": []}
    enqueued: dict[str, int] = {}
    for run in range(runs):
        order = ("plain", "every") if run % 2 == 0 else ("every", "plain")  # ABBA: no order bias
        for type_name in order:
            before = DBTaskResult.objects.count()
            started = time.perf_counter()
            send_notification(type=type_name, title="Hi", users=get_user_model().objects.all())
            seconds[type_name].append(time.perf_counter() - started)
            enqueued[type_name] = DBTaskResult.objects.count() - before
            log(f"fan-out {type_name} run {run + 1}: {seconds[type_name][-1]:.3f} s")
    plain, every = (statistics.median(seconds[t]) for t in ("plain", "every"))
    # What the declared channels add to the send itself: the after-commit enqueue.
    from notifications.models import Event
    from notifications.outbound import enqueue_for_event

    event_id = Event.objects.filter(type__name="every").values_list("pk", flat=True)[0]
    enqueue = []
    for _ in range(20):
        started = time.perf_counter()
        enqueue_for_event(event_id)
        enqueue.append(time.perf_counter() - started)
    return {
        "enqueue_seconds": statistics.median(enqueue),
        "plain": {"median_seconds": plain, "runs": seconds["plain"], "enqueued": enqueued["plain"]},
        "every": {"median_seconds": every, "runs": seconds["every"], "enqueued": enqueued["every"]},
        "overhead": every / plain - 1,
    }


def per_message(messages: int, log: Callable[[str], None]) -> dict[str, Any]:
    """``deliveries.run`` per channel over ``messages`` notifications, against the stand-ins."""
    from django.contrib.auth import get_user_model

    from notifications.helpers import send_notification
    from notifications.models import Delivery, Device, Notification
    from notifications.outbound import deliveries
    from notifications.outbound.registry import get_channel

    users = list(get_user_model().objects.order_by("pk")[:messages])
    Device.objects.bulk_create(
        [Device(user=u, token=f"ok-{u.pk}", platform="android") for u in users]
    )
    results: dict[str, Any] = {}
    for name in CHANNELS[2:]:
        with_channel = f"only_{name}"
        event = send_notification(type=with_channel, title="Disk full", users=users)
        ids = list(
            Notification.objects.filter(event=event).order_by("pk").values_list("pk", flat=True)
        )
        channel = get_channel(name)
        deliveries.run(channel, ids[:5])  # warm: imports, the FCM access token
        started = time.perf_counter()
        deliveries.run(channel, ids[5:])
        seconds = time.perf_counter() - started
        sent = Delivery.objects.filter(channel=name, status="sent").count()
        results[name] = {
            "messages": len(ids) - 5,
            "seconds": seconds,
            "ms_per_message": seconds * 1000 / (len(ids) - 5),
            "sent": sent,
        }
        log(f"{name}: {results[name]['ms_per_message']:.2f} ms per message, {sent} sent")
    return results


def markdown(result: dict[str, Any]) -> str:
    f = result["fan_out"]
    lines = [
        f"## outbound_channels: every channel declared, and each channel's cost per message "
        f"({result['date']}, commit {result['commit']})",
        "",
        f"`python -m bench --only outbound_channels`: {result['users']:,} users, PostgreSQL, "
        f"load average at start {result['load']}.",
        "",
        "| what | figure |",
        "|---|---|",
        f"| in-app fan-out, type without channels | {f['plain']['median_seconds']:.3f} s "
        f"(median of {len(f['plain']['runs'])}), {f['plain']['enqueued']} tasks |",
        f"| in-app fan-out, type with all {len(CHANNELS)} channels | "
        f"{f['every']['median_seconds']:.3f} s, {f['every']['enqueued']} task enqueued |",
        f"| overhead, medians of the interleaved sends (target ≤ 10 %) | "
        f"{f['overhead'] * 100:+.1f} % (runs: plain "
        f"{', '.join(f'{x:.2f}' for x in f['plain']['runs'])}; every "
        f"{', '.join(f'{x:.2f}' for x in f['every']['runs'])} s) |",
        f"| what the channels add to the send: the after-commit enqueue of plan_event | "
        f"{f['enqueue_seconds'] * 1000:.2f} ms (median of 20) = "
        f"{f['enqueue_seconds'] / f['plain']['median_seconds'] * 100:.2f} % of the send |",
        "",
        f"Per message, `deliveries.run` over {result['messages'] - 5} notifications "
        "(claim, render, one POST on a new connection through the outbound policy, record) "
        "against the stand-in in its own process on 127.0.0.1:",
        "",
        "| channel | ms per message | messages/s | sent |",
        "|---|---:|---:|---:|",
    ]
    for name, row in result["per_message"].items():
        lines.append(
            f"| {name} | {row['ms_per_message']:.2f} | {1000 / row['ms_per_message']:,.0f} | "
            f"{row['sent']} |"
        )
    return "\n".join(lines) + "\n"


def run(users: int, runs: int, messages: int, log: Callable[[str], None]) -> dict[str, Any]:
    """The whole scenario in this process (Django is configured here, once)."""
    database = f"bench_outbound_{os.getpid()}"
    recreate_database(database)
    try:
        with stand_ins() as (origin, account):
            configure(database, origin, account)
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
            create_users(users)
            log(f"{users} users in {database}")
            commit = subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
            ).stdout.strip()
            result = {
                "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "commit": commit,
                "load": ", ".join(f"{x:.1f}" for x in os.getloadavg()),
                "users": users,
                "messages": messages,
                "fan_out": fan_out(runs, log),
                "per_message": per_message(messages, log),
            }
    finally:
        from django.db import connections

        connections.close_all()
        drop_database(database)
    out = BENCH / "results"
    (out / "outbound_channels.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "outbound_channels.md").write_text(markdown(result))
    return result


def main() -> int:
    """``python -m bench.outbound_channels USERS RUNS MESSAGES`` (what the CLI runs, in its own
    process, since it configures Django)."""
    users, runs, messages = (int(arg) for arg in sys.argv[1:4])

    def log(message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    print(markdown(run(users, runs, messages, log)))
    return 0


def in_subprocess(users: int, runs: int, messages: int) -> dict[str, Any]:
    """Run :func:`main` in a fresh process; its result."""
    subprocess.run(
        [sys.executable, "-m", "bench.outbound_channels", str(users), str(runs), str(messages)],
        cwd=BENCH.parent,
        check=True,
    )
    result: dict[str, Any] = json.loads((BENCH / "results" / "outbound_channels.json").read_text())
    return result


if __name__ == "__main__":
    raise SystemExit(main())
