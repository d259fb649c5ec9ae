"""WebSocket clients for the ``ws`` scenario: ``python -m bench.ws_client PORT N EXPECTED OUT``.

Opens N sockets (users 1..N, DRF token in ``?token=``), prints ``READY``, then
records the arrival time of every frame until EXPECTED frames came or the
line went quiet, and writes ``[[event_id, user_id, seconds_since_epoch], ...]``
to OUT as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect

CONNECT_CONCURRENCY = 50
IDLE_SECONDS = 8.0


async def main(port: int, n: int, expected: int, out: Path) -> None:
    """Connect, announce, record, write."""
    received: list[tuple[float, str]] = []
    limit = asyncio.Semaphore(CONNECT_CONCURRENCY)
    last = [time.monotonic()]
    done = asyncio.Event()
    sockets: list[Any] = []

    async def open_socket(user_id: int) -> Any:
        async with limit:
            url = f"ws://127.0.0.1:{port}/ws/notifications?token={user_id:040d}"
            return await connect(url, open_timeout=60, max_queue=None, ping_interval=None)

    sockets = await asyncio.gather(*(open_socket(user_id) for user_id in range(1, n + 1)))

    async def listen(socket: Any) -> None:
        async for text in socket:
            received.append((time.time(), text))
            last[0] = time.monotonic()
            if len(received) >= expected:
                done.set()

    listeners = [asyncio.create_task(listen(socket)) for socket in sockets]
    print("READY", flush=True)
    deadline = time.monotonic() + 1200
    while not done.is_set() and time.monotonic() < deadline:
        try:
            await asyncio.wait_for(done.wait(), timeout=1.0)
        except TimeoutError:
            quiet = time.monotonic() - last[0]
            if received and quiet > IDLE_SECONDS and sys.stdin.closed:
                break
            if Path(str(out) + ".stop").exists() and quiet > 2.0:
                break
    for task in listeners:
        task.cancel()
    await asyncio.gather(*(socket.close() for socket in sockets), return_exceptions=True)
    rows = []
    for at, text in received:
        frame = json.loads(text)
        notification = frame.get("notification") or {}
        rows.append([notification.get("event", {}).get("id"), notification.get("user"), at])
    out.write_text(json.dumps(rows))
    print(f"DONE {len(rows)}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])))
