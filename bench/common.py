"""Shared helpers: statistics, subprocess workers, ports, memory and PostgreSQL admin."""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PEER_DIR = BENCH / "peer"
PEER_VENV = BENCH / ".peer-venv"
PEER_PYTHON = PEER_VENV / "bin" / "python"
PG = {"host": os.environ.get("PGHOST", "127.0.0.1"), "port": int(os.environ.get("PGPORT", "5432"))}
PG_USER = os.environ.get("PGUSER", "postgres")
OURS_DB = "bench_ours"
PEER_DB = "bench_peer"
OURS_LIST_DB = "bench_ours_list"
PEER_LIST_DB = "bench_peer_list"
OURS_MEMORY_DB = "bench_ours_memory"
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def summary(values: Sequence[float]) -> dict[str, float]:
    """Median, min and max of ``values``."""
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "runs": len(values),
    }


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values``, nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 30.0) -> None:
    """Block until something listens on ``port`` (or raise after ``timeout``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port} after {timeout} s")


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
    env.update(DJANGO_SETTINGS_MODULE="peer_settings", BENCH_DB=PEER_DB)
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


def rss_mib() -> float:
    """Current resident set size of this process, MiB."""
    return _status_kib("VmRSS") / 1024


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far (VmHWM), MiB."""
    return _status_kib("VmHWM") / 1024


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False if not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` and its children (py-spy wraps the server)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        pending += [int(child) for child in children]
    return total


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
