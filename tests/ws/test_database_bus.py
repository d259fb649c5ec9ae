"""The database bus on PostgreSQL: its LISTEN connection, made like the project's own."""

from __future__ import annotations

import asyncio
import logging
import uuid
from typing import Any

import psycopg
import pytest
from django.db import connection

from tests.ws.conftest import Opener
from tests.ws.support import in_thread, receive_frame, send

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.services,  # LISTEN/NOTIFY is PostgreSQL's
]


def listening_sessions(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE application_name = %s AND query LIKE 'LISTEN%%'",
            [name],
        )
        return int(cursor.fetchone()[0])


async def test_the_listen_connection_uses_the_database_options(
    settings: Any, monkeypatch: pytest.MonkeyPatch, open_socket: Opener, ann: Any
) -> None:
    settings.NOTIFICATIONS = {"BUS": "database"}
    name = f"listen-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(connection.settings_dict, "OPTIONS", {"application_name": name})

    socket = await open_socket(ann)

    for _ in range(50):
        if await in_thread(listening_sessions)(name):
            break
        await asyncio.sleep(0.1)
    assert await in_thread(listening_sessions)(name) == 1
    await send([ann], title="woken by NOTIFY")
    assert (await receive_frame(socket))["notification"]["event"]["title"] == "woken by NOTIFY"


async def test_a_failed_listen_is_a_warning_and_frames_still_come(
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    open_socket: Opener,
    ann: Any,
) -> None:
    settings.NOTIFICATIONS = {"BUS": "database"}

    async def refuse(*args: Any, **kwargs: Any) -> Any:
        raise psycopg.OperationalError("connection refused")

    monkeypatch.setattr(psycopg.AsyncConnection, "connect", refuse)
    socket = await open_socket(ann)

    await send([ann], title="polled")

    assert (await receive_frame(socket))["notification"]["event"]["title"] == "polled"
    failures = [
        r for r in caplog.records if r.name == "notifications" and "LISTEN" in r.getMessage()
    ]
    assert failures
    assert {r.levelno for r in failures} == {logging.WARNING}


async def test_a_listen_dsn_to_a_silent_server_times_out_and_warns(
    settings: Any, caplog: pytest.LogCaptureFixture, open_socket: Opener, ann: Any
) -> None:
    # A server that accepts the connection and never answers the startup message:
    # libpq would wait for ever without a connect_timeout, which the DSN lacks.
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    settings.NOTIFICATIONS = {
        "BUS": "database",
        "BUS_LISTEN_DATABASE": f"host=127.0.0.1 port={port} dbname=x user=x",
    }
    async with server:
        socket = await open_socket(ann)
        await send([ann], title="polled meanwhile")
        assert (await receive_frame(socket))["notification"]["event"]["title"] == (
            "polled meanwhile"
        )
        for _ in range(100):  # the default connect timeout is 5 s
            if any(r.levelno == logging.WARNING for r in caplog.records):
                break
            await asyncio.sleep(0.1)
    warnings = [
        r for r in caplog.records if r.name == "notifications" and "LISTEN" in r.getMessage()
    ]
    assert warnings
