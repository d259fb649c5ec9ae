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


def test_the_demos_send_endpoint_is_throttled_per_user(tmp_path: Path) -> None:
    from tests.servers import demo_server, prepare_demo_db

    env = prepare_demo_db(
        tmp_path / "demo.sqlite3",
        {"DJANGO_SETTINGS_MODULE": "demo.settings", "DEMO_SEND_RATE": "3/minute"},
    )
    with demo_server(env, tmp_path / "server.log") as server:
        ann, bob = server.login("ann"), server.login("bob")
        body = {"type": "post_like", "title": "Hi", "audience": "me"}
        statuses = [ann.post("/demo/send", json=body).status_code for _ in range(4)]
        refused = ann.post("/demo/send", json=body)
        other = bob.post("/demo/send", json=body)
    assert statuses == [200, 200, 200, 429]
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert "Too many sends" in refused.json()["detail"]
    assert other.status_code == 200  # counted per user
