"""``manage.py run_channels --loop``: runs every interval until interrupted (a real process)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]


def test_the_loop_runs_every_interval_until_ctrl_c(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.commands.command_settings",
        "NOTIFICATIONS_COMMAND_DB": str(tmp_path / "db.sqlite3"),
        "PYTHONPATH": str(ROOT),
        "PYTHONUNBUFFERED": "1",
    }
    manage = [sys.executable, str(ROOT / "example" / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, timeout=120)
    process = subprocess.Popen(
        [*manage, "run_channels", "--loop", "--interval", "0.2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]  # three runs, ~0.4 s
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert all(line.startswith("Queued 0 retry batches and 0 digest batches.") for line in lines)
    assert "Stopped." in out
    assert process.returncode == 0
    assert "Traceback" not in err


def test_an_interval_that_is_not_positive_is_refused() -> None:
    with pytest.raises(CommandError, match="--interval"):
        call_command("run_channels", "--loop", "--interval", "0")
