"""Extra test matrix: ``.venv/bin/nox -s django6`` runs the suite on Django 6 + Python 3.12.

Django 6 needs Python >= 3.12. The session uses pyenv's 3.12.1 build when the
machine has one (``pyenv prefix 3.12.1``); without it the session says so and
is skipped (nox exits 0). ``NOX_PYTHON312=/path/to/python3.12`` overrides it.
Extra pytest arguments go after ``--``: ``nox -s django6 -- tests/tasks``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import nox

nox.options.sessions = ["django6"]
nox.options.reuse_existing_virtualenvs = True

PYTHON_VERSION = "3.12.1"
DJANGO_6 = "Django>=6.0,<6.2"


def python312() -> str | None:
    """Path of a Python 3.12 interpreter, or None when the machine has none."""
    explicit = os.environ.get("NOX_PYTHON312")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return None
    try:
        found = subprocess.run(
            [pyenv, "prefix", PYTHON_VERSION], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    candidate = Path(found.stdout.strip()) / "bin" / "python3.12"
    return str(candidate) if found.returncode == 0 and candidate.is_file() else None


PYTHON312 = python312()


@nox.session(python=PYTHON312 or False)
def django6(session: nox.Session) -> None:
    """The suite (embedded leg, no browser tests) on Django 6.x, with django.tasks built in."""
    if PYTHON312 is None:
        session.skip(
            f"No Python 3.12 interpreter here (pyenv prefix {PYTHON_VERSION} found nothing); "
            "Django 6 needs Python >= 3.12. Set NOX_PYTHON312=/path/to/python3.12 to run it."
        )
    session.install("-e", ".[redis,postgres,server,openapi]", DJANGO_6, "django-tasks-db>=0.13")
    session.install(
        "pytest>=8.3",
        "pytest-django>=4.9",
        "pytest-asyncio>=0.24",
        "pytest-timeout>=2.3",
        "websockets>=13",
        "httpx>=0.27",
        "hatchling>=1.25",
        "schemathesis>=4.0",
    )
    session.run(
        "python",
        "-c",
        "import django, django.tasks; print('Django', django.get_version(), '+ django.tasks')",
    )
    session.run(
        "python", "-m", "pytest", "-m", "not browser", "--ignore=tests/browser", *session.posargs
    )
