"""The peer's own virtualenv, ``bench/.peer-venv``: django-notifications-hq 1.8.3 on Django 4.2."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from bench import common

REQUIREMENTS = [
    "django-notifications-hq==1.8.3",
    "Django>=4.2,<5",
    "psycopg[binary]",
    "uvicorn>=0.30",
]
STAMP = common.PEER_VENV / ".bench-installed"


def ensure(log: Any) -> None:
    """Create and fill the venv once (a stamp file lists what was installed)."""
    wanted = "\n".join(REQUIREMENTS)
    if STAMP.exists() and STAMP.read_text() == wanted and common.PEER_PYTHON.exists():
        return
    log(f"peer: installing {' '.join(REQUIREMENTS)} into {common.PEER_VENV}")
    if not common.PEER_PYTHON.exists():
        subprocess.run(["python3", "-m", "venv", str(common.PEER_VENV)], check=True)
    subprocess.run(
        [str(common.PEER_PYTHON), "-m", "pip", "install", "--quiet", *REQUIREMENTS],
        check=True,
        stdout=sys.stderr,
    )
    STAMP.write_text(wanted)


def versions() -> dict[str, str]:
    """Versions of the peer's packages, for the report."""
    code = (
        "import importlib.metadata as m, json;"
        "print(json.dumps({p: m.version(p) for p in "
        "['django-notifications-hq', 'Django', 'psycopg']}))"
    )
    done = subprocess.run(
        [str(common.PEER_PYTHON), "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=common.PEER_DIR,
        env=common.peer_env(),
    )
    import json

    result: dict[str, str] = json.loads(done.stdout)
    return result
