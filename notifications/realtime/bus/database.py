"""The database bus: a log in the project's database, tailed by every worker.

A message is written in the same transaction as the rows it describes, so a committed
change can never miss its push, even if the process dies right after commit; a
rolled-back one never pushes. Every worker keeps a cursor on the log: PostgreSQL wakes
it with ``LISTEN/NOTIFY`` (a notification sent in a transaction is delivered at
commit) on a connection made with the database's full settings, ``OPTIONS`` included;
while that connection fails (logged at WARNING, retried with backoff) the log is polled
as on SQLite, every ``BUS_POLL_INTERVAL`` seconds (50 ms by default).
This is the embedded default: a send from ``manage.py shell``, a cron job or a task
worker reaches the sockets of the server process, with no other service.

On PostgreSQL an id can commit after a greater one: the reader remembers missing ids
below its cursor for ``BUS_GAP_TIMEOUT`` seconds and reads them when they appear.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, connections, router
from django.db.models import Max, Q
from django.utils import timezone

from notifications.conf import notifications_settings
from notifications.realtime.bus.base import BaseBus, HubPort
from notifications.realtime.messages import Message, decode_message, encode_message

logger = logging.getLogger("notifications")

#: The PostgreSQL channel of the wake-ups.
CHANNEL = "notifications_bus"
#: The PostgreSQL advisory lock (a bigint) that orders publishing transactions.
LOCK_KEY = 0x6E6F7469665F6275  # "notif_bu"
#: Rows read per query.
READ_BATCH = 1000
#: Ids below the first cursor treated as possibly in flight when a worker starts.
START_WINDOW = 200
#: Seconds between two prunings by one worker.
PRUNE_EVERY = 60.0


def _model() -> Any:
    from notifications.models import BusMessage

    return BusMessage


def _alias() -> str:
    return router.db_for_write(_model())


class DatabaseBus(BaseBus):
    """Messages in the ``notifications_busmessage`` table of the default database."""

    in_transaction = True

    def __init__(self) -> None:
        self._listeners: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

    # -- sender side --------------------------------------------------------------

    def publish(self, messages: Sequence[Message]) -> None:
        model = _model()
        alias = _alias()
        rows = model.objects.using(alias).bulk_create(
            [model(body=encode_message(message)) for message in messages]
        )
        connection = connections[alias]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_notify(%s, '')", [CHANNEL])
        if any(row.pk is not None and row.pk % 1000 == 0 for row in rows):
            prune()

    def sequence(self) -> int:
        """The next id of the log, in commit order.

        On PostgreSQL a transaction-level advisory lock taken here (and released at
        commit) makes markers follow commit order, and the counts read after it include
        every publishing transaction that committed before: it serialises the end of
        publishing transactions, which NOTIFY's commit lock serialises anyway. SQLite
        has one writer at a time (the change was written first), so its ids already
        follow commit order. Other databases get the next id, ordered as their own
        write locks allow.
        """
        model = _model()
        connection = connections[_alias()]
        table = model._meta.db_table
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s), nextval(pg_get_serial_sequence(%s, %s))",
                    [LOCK_KEY, table, model._meta.pk.column],
                )
                return int(cursor.fetchone()[1])
            if connection.vendor == "sqlite":
                # AUTOINCREMENT never reuses an id, even after the rows are pruned.
                cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            else:
                cursor.execute(f"SELECT MAX({model._meta.pk.column}) FROM {table}")
            row = cursor.fetchone()
        return int(row[0] or 0) + 1 if row else 1

    def wake(self) -> None:
        for loop, event in list(self._listeners):
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)

    # -- worker side --------------------------------------------------------------

    async def listen(self, hub: HubPort) -> None:
        wakeup = asyncio.Event()
        key = (asyncio.get_running_loop(), wakeup)
        self._listeners.add(key)
        waker: asyncio.Task[None] | None = None
        try:
            reader = LogReader()
            await self._until_connected(hub, reader.start)
            listener = Waker(wakeup) if connections[_alias()].vendor == "postgresql" else None
            if listener is not None:
                waker = asyncio.ensure_future(listener.run())
            hub.bus_ready()
            next_prune = time.monotonic() + PRUNE_EVERY
            while True:
                messages = await self._until_connected(hub, reader.read)
                for message in messages:
                    hub.dispatch(message)
                if len(messages) >= READ_BATCH:
                    continue
                if time.monotonic() > next_prune:
                    next_prune = time.monotonic() + PRUNE_EVERY
                    await hub.run_sync(prune)
                interval = _poll_interval(listener is not None and listener.listening)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(wakeup.wait(), interval)
                wakeup.clear()
        finally:
            self._listeners.discard(key)
            if waker is not None:
                waker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await waker

    async def _until_connected(self, hub: HubPort, read: Any) -> Any:
        """Run ``read`` on the hub's thread, retrying with backoff while the database fails
        (the hub is told it lost the bus, and that it is back)."""
        delay = 0.1
        lost = False
        while True:
            try:
                result = await hub.run_sync(read)
            except DatabaseError as error:
                hub.bus_lost(error)
                lost = True
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
                continue
            if lost:
                hub.bus_ready()
            return result


class LogReader:
    """A cursor on the log that also reads ids that commit late (gaps below it)."""

    def __init__(self) -> None:
        self.cursor = 0
        self.gaps: dict[int, float] = {}

    def start(self) -> None:
        """Start at the end of the log; recent missing ids may still be in flight."""
        model = _model()
        rows = model.objects.using(_alias())
        self.cursor = rows.aggregate(top=Max("pk"))["top"] or 0
        present = set(rows.filter(pk__gt=self.cursor - START_WINDOW).values_list("pk", flat=True))
        deadline = time.monotonic() + notifications_settings.BUS_GAP_TIMEOUT
        for pk in range(max(1, self.cursor - START_WINDOW + 1), self.cursor + 1):
            if pk not in present:
                self.gaps[pk] = deadline

    def read(self) -> list[Message]:
        """The messages committed since the last read, oldest first."""
        now = time.monotonic()
        self.gaps = {pk: deadline for pk, deadline in self.gaps.items() if deadline > now}
        where = Q(pk__gt=self.cursor)
        if self.gaps:
            where |= Q(pk__in=list(self.gaps))
        rows = list(
            _model()
            .objects.using(_alias())
            .filter(where)
            .order_by("pk")
            .values_list("pk", "body")[:READ_BATCH]
        )
        deadline = now + notifications_settings.BUS_GAP_TIMEOUT
        messages = []
        for pk, body in rows:
            if pk in self.gaps:
                del self.gaps[pk]
            elif pk > self.cursor:
                for missing in range(self.cursor + 1, pk):
                    self.gaps[missing] = deadline
                self.cursor = pk
            message = decode_message(body)
            if message is not None:
                messages.append(message)
        return messages


def prune() -> int:
    """Delete log rows older than ``BUS_RETENTION`` seconds; return how many."""
    cutoff = timezone.now() - timedelta(seconds=notifications_settings.BUS_RETENTION)
    deleted, _ = _model().objects.using(_alias()).filter(created__lt=cutoff).delete()
    return int(deleted)


def _poll_interval(listening: bool) -> float:
    """Between two reads: long while NOTIFY wakes the reader, short while it cannot."""
    configured = notifications_settings.BUS_POLL_INTERVAL
    if configured is not None:
        return float(configured)
    return 1.0 if listening else 0.05


def listen_alias() -> str | None:
    """The DATABASES alias the LISTEN connection uses (None when it is a DSN)."""
    from django.conf import settings

    target = notifications_settings.BUS_LISTEN_DATABASE
    if target is None:
        return _alias()
    return str(target) if target in settings.DATABASES else None


#: Seconds the LISTEN connection waits for PostgreSQL unless its settings say otherwise.
LISTEN_CONNECT_TIMEOUT = 5


def listen_params() -> str:
    """The libpq connection string of the LISTEN connection (``BUS_LISTEN_DATABASE``).

    It holds session state (LISTEN), so behind a transaction pooler it must name a
    direct connection to PostgreSQL: a DATABASES alias or a libpq DSN.
    """
    from psycopg import conninfo

    alias = listen_alias()
    if alias is None:  # a DSN: keep it, with the same default connect timeout
        params = conninfo.conninfo_to_dict(str(notifications_settings.BUS_LISTEN_DATABASE))
        params.setdefault("connect_timeout", LISTEN_CONNECT_TIMEOUT)
        return conninfo.make_conninfo("", **params)
    return listen_conninfo(connections[alias].settings_dict)


def listen_conninfo(settings_dict: dict[str, Any]) -> str:
    """The libpq connection string of a database's settings: NAME, USER, PASSWORD, HOST,
    PORT and every libpq parameter among its ``OPTIONS`` (sslmode, service, options, ...).

    Django's own keys in ``OPTIONS`` (pool, isolation_level, ...) are left out.
    """
    from psycopg import conninfo, pq

    known = {default.keyword.decode() for default in pq.Conninfo.get_defaults()}
    params: dict[str, Any] = {
        key: value for key, value in settings_dict.get("OPTIONS", {}).items() if key in known
    }
    for key, setting in (
        ("dbname", "NAME"),
        ("user", "USER"),
        ("password", "PASSWORD"),
        ("host", "HOST"),
        ("port", "PORT"),
    ):
        if settings_dict.get(setting):
            params[key] = settings_dict[setting]
    params.setdefault("connect_timeout", LISTEN_CONNECT_TIMEOUT)
    return conninfo.make_conninfo("", **params)


class Waker:
    """Sets ``wakeup`` on every NOTIFY of the channel; says whether it is listening."""

    #: Seconds before the first retry of a failed LISTEN connection, and the longest wait.
    RETRY_FIRST, RETRY_MAX = 0.5, 30.0

    def __init__(self, wakeup: asyncio.Event) -> None:
        self.wakeup = wakeup
        self.listening = False

    async def run(self) -> None:
        """Listen until cancelled; reconnect with backoff, and say so at WARNING."""
        import psycopg

        delay = self.RETRY_FIRST
        failing = False
        while True:
            try:
                info = listen_params()
                async with await psycopg.AsyncConnection.connect(
                    info, autocommit=True
                ) as connection:
                    await connection.execute(f"LISTEN {CHANNEL}")
                    self.listening = True
                    if failing:
                        logger.warning("Notifications bus: LISTEN is back.")
                    failing, delay = False, self.RETRY_FIRST
                    self.wakeup.set()  # catch up on anything sent while not listening
                    async for _ in connection.notifies():
                        self.wakeup.set()
            except (psycopg.Error, OSError) as error:
                self.listening = False
                self.wakeup.set()  # poll at the short interval from now on
                if not failing:
                    logger.warning(
                        "Notifications bus: LISTEN connection failed (%r); polling the log "
                        "every %.2f s, retrying LISTEN with backoff",
                        error,
                        _poll_interval(False),
                    )
                failing = True
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.RETRY_MAX)
