"""Run the demo project as a real ASGI server process (uvicorn) for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

EXAMPLE = Path(__file__).resolve().parent.parent / "example"
PASSWORD = "demo"  # the demo users ann, bob and admin


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class DemoServer:
    url: str  # http://127.0.0.1:PORT
    ws_url: str  # ws://127.0.0.1:PORT
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def login(self, username: str, client: httpx.Client | None = None) -> httpx.Client:
        """An HTTP client logged in to the demo with a real session and CSRF cookie."""
        client = client or httpx.Client(base_url=self.url, timeout=10)
        client.get("/accounts/login/")
        response = client.post(
            "/accounts/login/",
            data={
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": client.cookies["csrftoken"],
            },
            headers={"Referer": f"{self.url}/accounts/login/"},
        )
        assert response.status_code == 302, response.text  # LoginView redirects on success
        assert "sessionid" in client.cookies, "login failed"
        client.headers["X-CSRFToken"] = client.cookies["csrftoken"]
        client.headers["Referer"] = f"{self.url}/"
        return client


def prepare_demo_db(db_path: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """Migrate and seed a fresh demo database; return the environment that points at it."""
    # pytest-django exports DJANGO_SETTINGS_MODULE=tests.settings; the demo needs its own.
    full_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "demo.settings",
        "DEMO_DB_PATH": str(db_path),
        **(env or {}),
    }
    for command in (["migrate", "--noinput", "-v0"], ["seed_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=EXAMPLE,
            env=full_env,
            check=True,
            capture_output=True,
        )
    return full_env


@contextmanager
def demo_backend(kind: str, workdir: Path) -> Iterator[dict[str, str]]:
    """A migrated, seeded demo database of ``kind`` and the environment pointing at it.

    ``sqlite``: a file, with the database bus (the embedded default); ``postgres``: a
    fresh PostgreSQL database with the database bus; ``postgres+redis``: the same with
    the redis bus, as in production.
    """
    import psycopg

    if kind == "sqlite":
        yield prepare_demo_db(workdir / "demo.sqlite3")
        return
    name = f"demo_{os.getpid()}_{int(time.time() * 1000) % 10**9}"
    admin = {
        "host": os.environ.get("PGHOST", "127.0.0.1"),
        "port": os.environ.get("PGPORT", "5432"),
        "user": os.environ.get("PGUSER", "postgres"),
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**admin) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    extra = {"DEMO_PG_DB": name}
    if kind == "postgres+redis":
        extra |= {
            "DEMO_REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
            "DEMO_REDIS_PREFIX": f"e2e-{name}",
        }
    try:
        yield prepare_demo_db(workdir / "unused.sqlite3", extra)
    finally:
        with psycopg.connect(**admin) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def uvicorn_process(
    app: list[str],
    cwd: Path,
    env: dict[str, str],
    log_path: Path,
    port: int,
    probe: str,
    timeout: float = 30,
) -> Iterator[subprocess.Popen[bytes]]:
    """``python -m uvicorn <app...>`` on ``127.0.0.1:port`` until the block exits.

    Yields once ``probe`` (a path) answers HTTP; the server's output goes to ``log_path``.
    The one launcher of real server processes: the demo's and the test project's.
    """
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                *app,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited:\n{log_path.read_text(errors='replace')}")
            try:
                httpx.get(f"http://127.0.0.1:{port}{probe}", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    log_text = log_path.read_text(errors="replace")
                    raise RuntimeError(f"server did not start:\n{log_text}") from None
                time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def demo_server(
    env: dict[str, str], log_path: Path, timeout: float = 30, port: int | None = None
) -> Iterator[DemoServer]:
    """Serve the demo with uvicorn on a free loopback port (or ``port``) until the block exits."""
    port = port or free_port()
    app = ["demo.asgi:application"]
    with uvicorn_process(app, EXAMPLE, env, log_path, port, "/accounts/login/", timeout) as process:
        yield DemoServer(
            f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}", env, process, log_path
        )


def demo_token(env: dict[str, str], username: str) -> str:
    """A DRF token for a demo user (``manage.py drf_create_token``)."""
    result = subprocess.run(
        [sys.executable, "manage.py", "drf_create_token", username],
        cwd=EXAMPLE,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.split()[2]  # "Generated token <key> for user ann"
