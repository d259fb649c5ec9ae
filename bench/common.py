"""The orchestrator's helpers: subprocess workers, servers and PostgreSQL admin.

Statistics, ports, memory and CPU readers live in :mod:`bench.shared`, which the
peer's virtualenv imports too; they are re-exported here for the scenarios.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg

from bench.shared import (
    cpu_seconds,
    free_port,
    peak_rss_mib,
    percentile,
    reset_peak_rss,
    rss_mib,
    summary,
    wait_for_port,
)

__all__ = [
    "cpu_seconds",
    "free_port",
    "peak_rss_mib",
    "percentile",
    "reset_peak_rss",
    "rss_mib",
    "summary",
    "wait_for_port",
]

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PEER_DIR = BENCH / "peer"
PEER_VENV = BENCH / ".peer-venv"
PEER_PYTHON = PEER_VENV / "bin" / "python"
PG = {"host": os.environ.get("PGHOST", "127.0.0.1"), "port": int(os.environ.get("PGPORT", "5432"))}
PG_USER = os.environ.get("PGUSER", "postgres")
# BENCH_DB_PREFIX keeps concurrent runs on one PostgreSQL server apart.
PREFIX = os.environ.get("BENCH_DB_PREFIX", "bench")
OURS_DB = f"{PREFIX}_ours"
PEER_DB = f"{PREFIX}_peer"
OURS_LIST_DB = f"{PREFIX}_ours_list"
PEER_LIST_DB = f"{PREFIX}_peer_list"
OURS_INBOX_DB = f"{PREFIX}_ours_inbox"
OURS_MEMORY_DB = f"{PREFIX}_ours_memory"
DATABASES = (OURS_DB, PEER_DB, OURS_LIST_DB, PEER_LIST_DB, OURS_INBOX_DB, OURS_MEMORY_DB)
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def ours_env(**extra: str) -> dict[str, str]:
    """Environment of our side's subprocesses."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.ours.settings", "BENCH_DB": OURS_DB}
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


def peer_env(**extra: str) -> dict[str, str]:
    """Environment of the peer's subprocesses (the repository stays off ``sys.path``).

    Both packages are called ``notifications``: the peer runs from ``bench/peer``
    so that only django-notifications-hq can be imported under that name.
    """
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    # bench/ holds the stdlib-only ``shared`` module and no ``notifications`` package.
    env.update(DJANGO_SETTINGS_MODULE="peer_settings", BENCH_DB=PEER_DB, PYTHONPATH=str(BENCH))
    env.update(extra)
    return env


def run_json(argv: Sequence[str], env: dict[str, str], cwd: Path, timeout: float = 600) -> Any:
    """Run a worker; return the JSON document on the last line of its stdout."""
    done = subprocess.run(
        list(argv), env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{argv} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    lines = [line for line in done.stdout.splitlines() if line.startswith(("{", "["))]
    return json.loads(lines[-1])


def profiled(argv: list[str], name: str) -> list[str]:
    """``argv`` under ``py-spy record`` when ``BENCH_PYSPY`` names a folder for the profiles.

    The raw (collapsed-stack) profile goes to ``$BENCH_PYSPY/<name>-<time>.txt``;
    ``python -m bench.profile FILE`` summarises it.
    """
    folder = os.environ.get("BENCH_PYSPY")
    if not folder:
        return argv
    Path(folder).mkdir(parents=True, exist_ok=True)
    out = Path(folder) / f"{name}-{time.strftime('%H%M%S')}.txt"
    spy = str(Path(sys.executable).parent / "py-spy")
    return [spy, "record", "--format", "raw", "-r", "100", "-o", str(out), "--", *argv]


def ours(command: str, *args: Any, timeout: float = 900, **env: str) -> Any:
    """Run ``bench.ours.worker <command> <args>`` in a fresh process of our venv."""
    argv = [sys.executable, "-m", "bench.ours.worker", command, *map(str, args)]
    return run_json(profiled(argv, f"worker-{command}"), ours_env(**env), ROOT, timeout)


def peer(command: str, *args: Any, timeout: float = 900, **env: str) -> Any:
    """Run ``peer_worker.py <command> <args>`` in a fresh process of the peer's venv."""
    argv = [str(PEER_PYTHON), "peer_worker.py", command, *map(str, args)]
    return run_json(argv, peer_env(**env), PEER_DIR, timeout)


def admin_execute(*statements: str) -> None:
    """Run statements on the ``postgres`` maintenance database (autocommit)."""
    with psycopg.connect(dbname="postgres", user=PG_USER, autocommit=True, **PG) as conn:
        for statement in statements:
            conn.execute(statement)


def recreate_database(name: str) -> None:
    """Drop (forcing out stale sessions) and create database ``name``."""
    admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    """Drop database ``name`` if it exists."""
    admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def connect(dbname: str) -> psycopg.Connection[Any]:
    """An autocommit connection to ``dbname``."""
    return psycopg.connect(dbname=dbname, user=PG_USER, autocommit=True, **PG)


class Server:
    """A uvicorn process with one worker on a free loopback port; stopped on exit."""

    def __init__(self, python: Path, app: str, env: dict[str, str], cwd: Path, log: Path) -> None:
        self.port = free_port()
        self.log = log
        argv = [str(python), "-m", "uvicorn", app, "--host", "127.0.0.1"]
        argv += ["--port", str(self.port), "--workers", "1", "--log-level", "warning"]
        self.argv = profiled(
            [*argv, "--no-access-log"], f"server-{app.split(':')[0].split('.')[0]}"
        )
        self.env, self.cwd = env, cwd
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.argv, env=self.env, cwd=self.cwd, stdout=out, stderr=subprocess.STDOUT
            )
        try:
            wait_for_port(self.port)
        except TimeoutError:
            self.__exit__()
            raise
        return self

    @property
    def pid(self) -> int:
        """The server's process id."""
        assert self.process is not None
        return self.process.pid

    def cpu_seconds(self) -> float:
        """CPU time the server has used so far."""
        return cpu_seconds(self.pid)

    def __exit__(self, *exc: object) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.process = None
