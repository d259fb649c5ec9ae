"""The package's write transactions: one at a time per process on SQLite.

SQLite has one write lock per database. Under an ASGI server every request runs
in its own thread, and SQLite's busy handler lets waiting writers poll for that
lock in no order: under 100 concurrent writers some waited past the busy timeout
and failed with ``database is locked`` (a 500), and p99 reached 7-17 s. Here the
package's own write transactions queue for their turn in the process, first come
first served, before they ask SQLite; the lock SQLite hands out is then contended
only by other processes. PostgreSQL (row locks) is left alone.

A write that cannot have its turn within ``NOTIFICATIONS["SQLITE_WRITE_WAIT"]``
seconds, or that SQLite still refuses with ``database is locked``, raises
:class:`~notifications.exceptions.DatabaseBusy`; the package's views answer it
with 503 and ``Retry-After``.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, OperationalError, connections, transaction

from notifications.conf import notifications_settings
from notifications.exceptions import DatabaseBusy


class _FairLock:
    """A lock handed to its waiters in arrival order (``threading.Lock`` promises no order)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._held = False

    def acquire(self, timeout: float) -> bool:
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        if turn.acquire(timeout=timeout):
            return True  # released to us by release()
        with self._mutex:
            try:
                self._waiters.remove(turn)
            except ValueError:  # handed over between the timeout and here: ours
                return True
        return False

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()  # stays held, by the next waiter
            else:
                self._held = False


_locks: dict[str, _FairLock] = {}
_locks_guard = threading.Lock()


def _lock(alias: str) -> _FairLock:
    with _locks_guard:
        return _locks.setdefault(alias, _FairLock())


def is_busy_error(error: BaseException) -> bool:
    """True for SQLite's ``database is locked`` (or ``... table is locked``)."""
    return isinstance(error, OperationalError) and "is locked" in str(error)


@contextmanager
def write_transaction(using: str | None = None) -> Iterator[None]:
    """``transaction.atomic(using)`` for one of the package's writes.

    On SQLite, and outside any transaction the caller opened, the block waits for
    its turn among the process's writes first (``SQLITE_WRITE_WAIT`` seconds at
    most). Inside the caller's transaction it is a plain savepoint: the caller's
    transaction already decides when it writes. Raises :class:`DatabaseBusy` when
    the turn or SQLite's lock cannot be had in time; nothing is written then.
    """
    alias = using or DEFAULT_DB_ALIAS
    connection = connections[alias]
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        with transaction.atomic(using=alias):
            yield
        return
    lock = _lock(alias)
    wait = notifications_settings.SQLITE_WRITE_WAIT
    if not lock.acquire(timeout=wait):
        raise DatabaseBusy(f"no turn to write within {wait} s")
    try:
        with transaction.atomic(using=alias):
            yield
    except OperationalError as error:
        if is_busy_error(error):
            raise DatabaseBusy(str(error)) from error
        raise
    finally:
        lock.release()
