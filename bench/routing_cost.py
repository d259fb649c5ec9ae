"""Redis commands per push, before and after per-user channels: ``python -m bench.routing_cost``.

Exact, not timed: a private ``redis-server`` on loopback, ``INFO commandstats`` deltas
(commands run inside scripts count). For each number of workers (2 to 64):

- **before** (the redis bus of c03e0a2): every worker's presence set and heartbeat
  as that version kept them, and its routing script run as it ran it, once per push;
- **after** (this version): that many real workers (a hub and a redis bus each, in one
  event loop, subscribed to their users' channels), and this version's ``publish``.

Each worker holds a socket of its own user; user 1 has sockets on two workers. Pushes:
one frame to user 1 (a one-user push), and one batch of 100 frames to 100 users (the
largest inline batch, ``PUSH_INLINE_MAX``). Writes ``bench/results/routing_cost.json``
and ``.md``.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
WORKERS = [2, 4, 8, 16, 32, 64]
PUSHES = 100
BATCH = 100
NOT_ROUTING = {"info", "ping"}

#: The routing script of the redis bus at c03e0a2 (before this change), verbatim.
BEFORE_SCRIPT = """
local now = redis.call('TIME')
local oldest = tonumber(now[1]) - tonumber(ARGV[2])
local workers = redis.call('ZRANGEBYSCORE', KEYS[1], oldest, '+inf')
local published = 0
for _, worker in ipairs(workers) do
  local presence = ARGV[1] .. ':presence:' .. worker
  local out = {}
  for i = 3, #ARGV, 2 do
    if redis.call('SISMEMBER', presence, ARGV[i]) == 1 then
      out[#out + 1] = ARGV[i]
      out[#out + 1] = ARGV[i + 1]
    end
  end
  if #out > 0 then
    redis.call('PUBLISH', ARGV[1] .. ':worker:' .. worker, cjson.encode({v = 1, k = 'f', f = out}))
    published = published + 1
  end
end
return published
"""


def calls(client: Any) -> dict[str, int]:
    stats = client.info("commandstats")
    return {name.removeprefix("cmdstat_"): int(v["calls"]) for name, v in stats.items()}


def spent(client: Any, action: Any) -> dict[str, int]:
    before = calls(client)
    action()
    after = calls(client)
    changed = {n: c - before.get(n, 0) for n, c in after.items()}
    return {n: c for n, c in changed.items() if c and n not in NOT_ROUTING}


def batch_frames() -> list[tuple[int, str]]:
    return [(1, "x")] + [(1000 + i, "x") for i in range(BATCH - 1)]


def before(client: Any, workers: int) -> dict[str, Any]:
    """c03e0a2's layout and script on a clean server."""
    client.flushall()
    now = int(client.time()[0])
    for i in range(workers):
        client.zadd("old:workers", {f"w{i}": now})
        client.sadd(f"old:presence:w{i}", 1000 + i, *([1] if i in (0, workers - 1) else []))
    route = client.register_script(BEFORE_SCRIPT)

    def push(frames: list[tuple[int, str]]) -> None:
        args: list[Any] = ["old", 10]
        for user, text in frames:
            args += (user, text)
        route(keys=["old:workers"], args=args)

    push([(1, "warm-up")])  # loads the script (its SCRIPT LOAD is not per push)
    one = spent(client, lambda: [push([(1, "x")]) for _ in range(PUSHES)])
    many = spent(client, lambda: push(batch_frames()))
    return {"one_user": per_push(one), "batch_100": per_push(many, 1)}


def per_push(delta: dict[str, int], pushes: int = PUSHES) -> dict[str, Any]:
    return {
        "total": sum(delta.values()) / pushes,
        "by_command": {n: c / pushes for n, c in sorted(delta.items())},
    }


async def after(client: Any, workers: int) -> dict[str, Any]:
    """Real workers of this version, subscribed to their users' channels."""
    from notifications.realtime.bus.base import Frames
    from notifications.realtime.bus.redis import RedisBus
    from notifications.realtime.hub import Hub, Socket

    client.flushall()
    client.config_resetstat()
    loop = asyncio.get_running_loop()

    async def discard(message: dict[str, Any]) -> None:
        return None

    hubs = []
    for i in range(workers):
        hub = Hub(RedisBus(), loop)
        for user in [1000 + i] + ([1] if i in (0, workers - 1) else []):
            await hub.register(Socket(user, discard, session_key=None, token_key=None))
        hubs.append(hub)
    sender = RedisBus()
    try:
        sender.publish([Frames(((1, "warm-up"),))])
        one = spent(client, lambda: [sender.publish([Frames(((1, "x"),))]) for _ in range(PUSHES)])
        many = spent(client, lambda: sender.publish([Frames(tuple(batch_frames()))]))
        subscribers = dict(client.pubsub_numsub("after:u:1"))
        publish_usec = float(client.info("commandstats")["cmdstat_publish"]["usec_per_call"])
    finally:
        sender.close()
        for hub in hubs:
            await hub.close()
    return {
        "one_user": per_push(one),
        "batch_100": per_push(many, 1),
        "workers_subscribed_to_user_1": int(subscribers.get(b"after:u:1", 0)),
        "redis_usec_per_publish": publish_usec,
    }


def subscription_memory(client: Any, port: int, channels: int = 20_000) -> float:
    """Redis memory per subscribed user channel (one worker's connection), in bytes."""
    import redis

    client.flushall()
    before = int(client.info("memory")["used_memory"])
    listener = redis.Redis(port=port).pubsub()
    for start in range(0, channels, 1000):
        listener.subscribe(*[f"after:u:{i}" for i in range(start, start + 1000)])
    while client.pubsub_numsub(f"after:u:{channels - 1}")[0][1] == 0:
        time.sleep(0.01)
    after = int(client.info("memory")["used_memory"])
    listener.close()
    return (after - before) / channels


def run() -> dict[str, Any]:
    import django
    import redis

    from tests.servers import free_port

    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    try:
        os.environ["DJANGO_SETTINGS_MODULE"] = "bench.realtime_settings"
        os.environ["REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
        os.environ["BENCH_REDIS_PREFIX"] = "after"
        django.setup()
        client = redis.Redis(port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        rows = []
        for workers in WORKERS:
            rows.append(
                {
                    "workers": workers,
                    "before": before(client, workers),
                    "after": asyncio.run(after(client, workers)),
                }
            )
            print(f"[routing_cost] {workers} workers done", flush=True)
        memory = subscription_memory(client, port)
        return {"pushes": PUSHES, "batch": BATCH, "rows": rows, "bytes_per_subscription": memory}
    finally:
        server.kill()
        server.wait()


def report(result: dict[str, Any]) -> str:
    lines = [
        "# Redis commands per push, before and after (exact)",
        "",
        "`python -m bench.routing_cost`: `INFO commandstats` deltas on a private Redis "
        f"(commands inside scripts count; averaged over {result['pushes']} pushes). "
        "Before: c03e0a2's presence sets and routing script. After: real workers "
        "subscribed to their users' channels. User 1 has sockets on two workers.",
        "",
        "| workers | one-user push, before | after | 100-user batch, before | after |",
        "|---|---|---|---|---|",
    ]
    for row in result["rows"]:
        b, a = row["before"], row["after"]
        lines.append(
            f"| {row['workers']} | {b['one_user']['total']:g} "
            f"({', '.join(f'{n} {c:g}' for n, c in b['one_user']['by_command'].items())}) "
            f"| {a['one_user']['total']:g} "
            f"({', '.join(f'{n} {c:g}' for n, c in a['one_user']['by_command'].items())}) "
            f"| {b['batch_100']['total']:g} | {a['batch_100']['total']:g} |"
        )
    lines += [
        "",
        "Redis's own time per `PUBLISH` (after; `usec_per_call`, delivery to its "
        "subscribers included): "
        + ", ".join(
            f"{row['workers']} workers {row['after']['redis_usec_per_publish']:.1f} µs"
            for row in result["rows"]
        )
        + ".",
        "",
        f"Redis memory per subscribed user channel: {result['bytes_per_subscription']:.0f} "
        "bytes (20,000 channels on one connection, `used_memory` delta).",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    result = run()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "routing_cost.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "routing_cost.md").write_text(report(result))
    sys.stdout.write(report(result))


if __name__ == "__main__":
    main()
