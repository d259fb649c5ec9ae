"""The sending side of the realtime benchmark: ``python -m bench.realtime_sender CMD ARGS``.

Runs on this version or on 0.1 (``BENCH_ENGINE=v01``) and prints one JSON line.
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

import django

V01 = os.environ.get("BENCH_ENGINE") == "v01"


def setup(n: str) -> dict[str, Any]:
    """Migrate and create users 1..n, each with the DRF token ``f"{id:040d}"``."""
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    call_command("migrate", verbosity=0)
    have = User.objects.count()
    if have < int(n):
        User.objects.bulk_create(
            [User(id=i, username=f"user{i}") for i in range(have + 1, int(n) + 1)], batch_size=5000
        )
        Token.objects.bulk_create(
            [Token(key=f"{i:040d}", user_id=i) for i in range(have + 1, int(n) + 1)],
            batch_size=5000,
            ignore_conflicts=True,
        )
    return {"users": User.objects.count()}


def _publish(frames: list[tuple[int, str]]) -> None:
    if V01:
        from notifications.transports import Push, deliver

        deliver([[Push(user, json.loads(text)) for user, text in frames]])
    else:
        from notifications.realtime.messages import Frames
        from notifications.realtime.publish import publish

        publish(lambda: [Frames(tuple(frames))])


def frames(n: str, rounds: str, pace: str) -> dict[str, Any]:
    """``rounds`` rounds of one frame per user 1..n, a round every ``pace`` seconds (0: at once)."""
    cpu = 0.0
    started = time.time()
    for round_ in range(int(rounds)):
        stamp = time.time()
        texts = [
            (user, json.dumps({"action": "bench", "t": stamp, "r": round_}))
            for user in range(1, int(n) + 1)
        ]
        before = time.process_time()
        _publish(texts)
        cpu += time.process_time() - before
        if float(pace):
            time.sleep(max(0.0, stamp + float(pace) - time.time()))
    return {"started": started, "cpu_us_per_frame": cpu * 1e6 / (int(n) * int(rounds))}


def broadcast(n: str) -> dict[str, Any]:
    """One ``send_notification`` to users 1..n; the commit time and the sender's CPU."""
    from django.contrib.auth.models import User
    from django.db import transaction

    from notifications.helpers import send_notification

    committed = [0.0]
    cpu, wall = time.process_time(), time.time()
    with transaction.atomic():
        transaction.on_commit(lambda: committed.__setitem__(0, time.time()))
        event = send_notification(
            type="post_like", title="broadcast", users=User.objects.filter(pk__lte=int(n))
        )
    cpu = time.process_time() - cpu
    return {
        "event": event.pk,
        "commit": committed[0],
        "wall_s": time.time() - wall,
        "cpu_us_per_recipient": cpu * 1e6 / int(n),
    }


def singles(count: str, pause: str) -> dict[str, Any]:
    """``count`` sends of one notification to user 1: commit times and call durations."""
    from django.contrib.auth.models import User
    from django.db import transaction

    from notifications.helpers import send_notification

    user = User.objects.get(pk=1)
    sent, durations = [], []
    send_notification(type="post_like", title="warm-up", users=[user])
    for i in range(int(count)):
        committed = [0.0]
        started = time.perf_counter()
        with transaction.atomic():
            transaction.on_commit(lambda c=committed: c.__setitem__(0, time.time()))
            event = send_notification(type="post_like", title=f"single {i}", users=[user])
        durations.append(time.perf_counter() - started)
        sent.append((event.pk, committed[0]))
        time.sleep(float(pause))
    return {"sent": sent, "durations_ms": [d * 1000 for d in durations]}


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.realtime_settings")
    django.setup()
    command = {"setup": setup, "frames": frames, "broadcast": broadcast, "singles": singles}
    print(json.dumps(command[sys.argv[1]](*sys.argv[2:])))
