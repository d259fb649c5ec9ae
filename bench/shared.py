"""Helpers both sides of the bench import: ours as ``bench.shared``, the peer as ``shared``.

Standard library only at import time, so the peer's virtualenv (another Django,
no checkout on ``sys.path``) imports it from ``bench/`` as it is. Django is
imported inside the functions that need it, from whichever side calls them.
"""

from __future__ import annotations

import gc
import json
import os
import socket
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Users by SQL: an unusable password, one statement for any number.
INSERT_USERS_SQL = (
    "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name,"
    " email, is_staff, is_active, date_joined)"
    " SELECT '!', false, 'user' || g, '', '', '', false, true, now()"
    " FROM generate_series(1, %s) g"
)


# --- statistics -------------------------------------------------------------------------


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


# --- ports ------------------------------------------------------------------------------


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


# --- memory and CPU (Linux /proc) -------------------------------------------------------


def status_kib(field: str, pid: int | str = "self") -> int:
    """A ``/proc/<pid>/status`` field (``VmRSS``, ``VmHWM``) in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def rss_mib(pid: int | str = "self") -> float:
    """Current resident set size of ``pid`` (this process by default), MiB."""
    return status_kib("VmRSS", pid) / 1024


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far (VmHWM), MiB."""
    return status_kib("VmHWM") / 1024


def reset_peak_rss() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False if not allowed."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` and its children (py-spy wraps servers)."""
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


# --- Django settings and workers (Django imported lazily) -------------------------------


def django_settings(
    *, urlconf: str, apps: list[str], database: str, **extra: Any
) -> dict[str, Any]:
    """The settings both sides share; ``extra`` adds or replaces keys.

    ``pool=`` gives Django's psycopg pool options (Django >= 5.1); ``BENCH_POOL=0``
    turns it off (``CONN_MAX_AGE=0``: a new PostgreSQL connection per request,
    what a project without the pool gets).
    """
    db: dict[str, Any] = {
        "ENGINE": "django.db.backends.postgresql",
        "HOST": os.environ.get("PGHOST", "127.0.0.1"),
        "PORT": os.environ.get("PGPORT", "5432"),
        "USER": os.environ.get("PGUSER", "postgres"),
        "NAME": os.environ.get("BENCH_DB", database),
    }
    pool = extra.pop("pool", None)
    if pool and os.environ.get("BENCH_POOL", "1") == "1":
        db["OPTIONS"] = {"pool": pool}
        # BENCH_BINDING=server: psycopg binds parameters server-side and prepares a
        # statement after its fifth run on a connection (PostgreSQL keeps the plan).
        if os.environ.get("BENCH_BINDING") == "server":
            db["OPTIONS"]["server_side_binding"] = True
    return {
        "SECRET_KEY": "bench-only-not-secret",
        "DEBUG": False,
        "ALLOWED_HOSTS": ["*"],
        "USE_TZ": True,
        "TIME_ZONE": "UTC",
        "ROOT_URLCONF": urlconf,
        "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
        "INSTALLED_APPS": [
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            *apps,
        ],
        # As a project's settings have them; nothing of the bench's own in the request path.
        "MIDDLEWARE": [
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.common.CommonMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
        ],
        "DATABASES": {"default": db},
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        **extra,
    }


def setup_users(users: int) -> dict[str, Any]:
    """Migrate the (new, empty) database and insert ``users`` users in one statement."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(INSERT_USERS_SQL, [int(users)])
        cursor.execute("ANALYZE")
    return {"users": get_user_model()._default_manager.count()}


def login_sessions(count: int) -> list[str]:
    """Session keys of the first ``count`` users, logged in as ``django.contrib.auth`` does."""
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore

    keys = []
    for user in get_user_model()._default_manager.order_by("pk")[:count]:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        keys.append(str(store.session_key))
    return keys


@contextmanager
def counting_statements() -> Iterator[list[int]]:
    """Count the SQL statements run on the default connection inside the block."""
    from django.db import connection

    count = [0]

    def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        yield count


def timed_call(call: Callable[[], Any]) -> dict[str, Any]:
    """Wall and CPU seconds, SQL statements and peak RSS growth of ``call()``."""
    gc.collect()
    reset_peak_rss()
    baseline = rss_mib()
    cpu = time.process_time()
    started = time.perf_counter()
    with counting_statements() as count:
        call()
    return {
        "seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu,
        "statements": count[0],
        "peak_rss_growth_mib": peak_rss_mib() - baseline,
        "baseline_rss_mib": baseline,
    }


def request_statements(path: str, **auth: Any) -> int:
    """SQL statements of one GET of ``path`` through Django's test client."""
    from django.test import Client

    client = Client()
    for name, value in auth.get("cookies", {}).items():
        client.cookies[name] = value
    headers = auth.get("headers", {})
    with counting_statements() as count:
        response = client.get(path, headers=headers)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path}: {response.status_code} {response.content[:300]!r}")
    return count[0]


def run_worker(commands: dict[str, Callable[..., dict[str, Any]]]) -> None:
    """``python worker.py COMMAND ARG...``: run it, print its JSON document on one line."""
    print(json.dumps(commands[sys.argv[1]](*sys.argv[2:])))
