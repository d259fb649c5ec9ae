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
