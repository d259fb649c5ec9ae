"""DRF's ScopedRateThrottle with a ``notifications`` rate answers 429 on every endpoint."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def test_notifications_scope_throttles_per_user() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tests.security.throttle_probe"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)

    assert seen["ann"] == [200, 200, 200, 429]  # rate "3/minute"
    assert seen["ann_other_endpoint"] == 429  # one scope for all the package's views
    assert seen["retry_after"] is not None
    assert int(seen["retry_after"]) > 0
    assert "throttled" in seen["detail"].lower()
    assert seen["bob"] == 200  # counted per user
