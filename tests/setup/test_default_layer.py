"""A project that configures no CHANNEL_LAYERS still gets live pushes (one process)."""

import json
import subprocess
import sys
from pathlib import Path


def test_pushes_work_without_channel_layers_setting() -> None:
    script = Path(__file__).with_name("minimal_project.py")
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    frame = json.loads(result.stdout.strip().splitlines()[-1])
    assert frame["action"] == "new"
    assert frame["notification"]["event"]["title"] == "Hi"
    assert frame["unread"] == 1
