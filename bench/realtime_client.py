"""Clients of the realtime benchmark: ``python -m bench.realtime_client PORT FIRST N OUT [HOLD]``.

Opens sockets for users FIRST..FIRST+N-1 (token ``f"{id:040d}"`` as subprotocol), prints
``READY``, records ``[received_at, text]`` for every frame until the file ``OUT.stop``
appears (or, with HOLD seconds, until then, counting sockets the server closed), and
writes the rows and the close count to OUT as JSON.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidMessage

CONNECT_CONCURRENCY = 100
RETRIES = 5


async def main(port: int, first: int, n: int, out: Path, hold: float | None) -> None:
    received: list[tuple[float, str]] = []
    closed: list[Any] = []
    limit = asyncio.Semaphore(CONNECT_CONCURRENCY)
    retried: list[int] = []

    async def open_socket(user_id: int) -> Any:
        # Like a real client: a handshake the overloaded server dropped is retried.
        for attempt in range(RETRIES):
            try:
                async with limit:
                    return await connect(
                        f"ws://127.0.0.1:{port}/ws/notifications",
                        subprotocols=["token", f"{user_id:040d}"],  # type: ignore[list-item]
                        open_timeout=120,
                        max_queue=None,
                        ping_interval=None,
                        max_size=None,
                    )
            except (InvalidMessage, OSError):
                retried.append(user_id)
                if attempt == RETRIES - 1:
                    raise
                await asyncio.sleep(0.5 * (attempt + 1))
        raise AssertionError("unreachable")

    sockets = await asyncio.gather(*(open_socket(u) for u in range(first, first + n)))

    async def listen(socket: Any) -> None:
        try:
            async for text in socket:
                received.append((time.time(), text))
        except ConnectionClosed as error:
            closed.append(error.rcvd.code if error.rcvd else None)
        else:
            closed.append(socket.close_code)

    listeners = [asyncio.create_task(listen(socket)) for socket in sockets]
    print("READY", flush=True)
    stop = Path(f"{out}.stop")
    deadline = time.monotonic() + (hold if hold is not None else 3600)
    while time.monotonic() < deadline and not (hold is None and stop.exists()):
        await asyncio.sleep(0.2)
    await asyncio.sleep(0.5 if hold is None else 0)
    for task in listeners:
        task.cancel()
    await asyncio.gather(*(socket.close() for socket in sockets), return_exceptions=True)
    out.write_text(
        json.dumps(
            {
                "frames": received,
                "closed_by_server": len(closed),
                "handshakes_retried": len(retried),
            }
        )
    )


if __name__ == "__main__":
    hold = float(sys.argv[5]) if len(sys.argv) > 5 else None
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]), hold))
