"""The test project (tests.urls) served by uvicorn on a database of its own.

For what needs a real server process: concurrent requests, chunked and
oversized bodies sent as raw HTTP. On the services leg the database is a
fresh PostgreSQL database (named after the pid and port, dropped afterwards)
and pushes go through Redis; otherwise an SQLite file. ``python -m
tests.security.live seed`` is what the fixture runs inside that project to
create users, tokens and notifications.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.servers import free_port, uvicorn_process
from tests.settings import SERVICES

ROOT = Path(__file__).resolve().parents[2]
USERS = ("ann", "bob")
NOTIFICATIONS_PER_USER = 5


@dataclass
class LiveServer:
    url: str
    log_path: Path
    tokens: dict[str, str]
    ids: dict[str, list[int]]  # each user's notification ids, oldest first
    clients: list[httpx.Client] = field(default_factory=list)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def client(self, username: str) -> httpx.Client:
        """An HTTP client authenticated with ``username``'s DRF token."""
        client = httpx.Client(
            base_url=self.url,
            timeout=30,
            headers={"Authorization": f"Token {self.tokens[username]}"},
        )
        self.clients.append(client)
        return client


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect(
        host=os.environ.get("PGHOST", "127.0.0.1"),
        port=os.environ.get("PGPORT", "5432"),
        user=os.environ.get("PGUSER", "postgres"),
        dbname="postgres",
        autocommit=True,
    ) as connection:
        connection.execute(sql)  # type: ignore[arg-type]


def _manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@contextmanager
def live_server(workdir: Path, extra_env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    """Migrate and seed a fresh database, serve it with uvicorn until the block exits."""
    port = free_port()
    if SERVICES:
        name = f"live_{os.getpid()}_{port}"
        _pg(f'CREATE DATABASE "{name}"')
    else:
        name = str(workdir / f"live-{port}.sqlite3")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.security.live_settings",
        "LIVE_DB_NAME": name,
        **(extra_env or {}),
    }
    log_path = workdir / f"live-{port}.log"
    try:
        _manage(env, "-m", "django", "migrate", "--noinput", "-v0")
        seeded = json.loads(_manage(env, "-m", "tests.security.live", "seed").splitlines()[-1])
        app = ["--factory", "django.core.asgi:get_asgi_application"]
        with uvicorn_process(app, ROOT, env, log_path, port, "/notifications"):
            server = LiveServer(
                f"http://127.0.0.1:{port}", log_path, seeded["tokens"], seeded["ids"]
            )
            try:
                yield server
            finally:
                for client in server.clients:
                    client.close()
    finally:
        if SERVICES:
            _pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed() -> dict[str, Any]:
    """Inside the live project: users with tokens, each with a few notifications."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from notifications.helpers import send_notification
    from notifications.models import Notification

    user_model = get_user_model()
    tokens: dict[str, str] = {}
    ids: dict[str, list[int]] = {}
    for username in USERS:
        login = f"{username}@example.com" if user_model.USERNAME_FIELD == "email" else username
        user = user_model.objects.create_user(**{user_model.USERNAME_FIELD: login})
        tokens[username] = Token.objects.create(user=user).key
        for index in range(NOTIFICATIONS_PER_USER):
            send_notification(type="post_like", title=f"{username} {index}", users=[user])
        rows = Notification.objects.filter(user=user).order_by("pk")
        ids[username] = list(rows.values_list("pk", flat=True))
    return {"tokens": tokens, "ids": ids}


if __name__ == "__main__" and sys.argv[1:] == ["seed"]:
    print(json.dumps(seed()))
