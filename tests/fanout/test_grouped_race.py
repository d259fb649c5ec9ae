"""Grouped sends racing readers on PostgreSQL, in real processes: no send fails.

Twenty processes make three grouped sends each to the same twenty users while one
more process marks those users' open rows read, archives them and marks all read,
and those users log in (Django's ``last_login``) in another.
Every send must succeed (no ``deadlock detected`` reaching the caller) and leave
exactly one row per user and event.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import EXAMPLE, demo_backend

pytestmark = [pytest.mark.services, pytest.mark.timeout(240)]

ROOT = EXAMPLE.parent
SENDERS = 20
SENDS = 3
USERS = 20


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with demo_backend("postgres", tmp_path_factory.mktemp("race")) as environment:
        path = os.pathsep.join([str(ROOT), str(EXAMPLE), environment.get("PYTHONPATH", "")])
        yield {**environment, "PYTHONPATH": path}


def worker(env: dict[str, str], *args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.fanout.grouped_worker", *map(str, args)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def outcome(process: subprocess.Popen[str]) -> dict[str, object]:
    out, err = process.communicate(timeout=180)
    assert process.returncode == 0, err
    answer: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return answer


def test_grouped_sends_never_fail_while_recipients_read_and_archive(
    env: dict[str, str], tmp_path: Path
) -> None:
    setup = worker(env, "users", USERS)
    out, err = setup.communicate(timeout=60)
    assert setup.returncode == 0, err
    user_ids = json.loads(out)
    # Every process imports Django before the start time, so they really race.
    start = time.time() + 8
    reader = worker(env, "read", start, start + 170)
    logins = worker(env, "login", start, start + 170)
    senders = [worker(env, "send", start, SENDS) for _ in range(SENDERS)]
    results = [outcome(sender) for sender in senders]
    for process in (reader, logins):
        process.terminate()  # they ran for as long as the sends raced
        process.communicate(timeout=30)

    errors = [error for result in results for error in result["errors"]]  # type: ignore[attr-defined]
    assert errors == [], f"{len(errors)} of {SENDERS * SENDS} grouped sends failed: {errors[:3]}"
    assert sum(result["sent"] for result in results) == SENDERS * SENDS  # type: ignore[misc]

    import psycopg

    with psycopg.connect(
        host=os.environ.get("PGHOST", "127.0.0.1"),
        port=os.environ.get("PGPORT", "5432"),
        user=os.environ.get("PGUSER", "postgres"),
        dbname=env["DEMO_PG_DB"],
    ) as connection:
        # Each send reached every racer: one row per user holds (or folded) each event.
        counted = connection.execute(
            "SELECT COALESCE(SUM(count), 0) FROM notifications_notification "
            "WHERE user_id = ANY(%s)",
            [user_ids],
        ).fetchone()
    assert counted is not None
    assert counted[0] == SENDERS * SENDS * USERS
