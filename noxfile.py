"""The second supported Django line: ``.venv/bin/nox -s django61`` (also ``make test-django61``).

Django 6.1 needs Python >= 3.12. The session uses pyenv's 3.13.0 build, else
its 3.12.1 (``pyenv prefix``), when the machine has one; without either it says
so and is skipped (nox exits 0, so CI passes and its log says why).
``NOX_PYTHON=/path/to/python3.13`` overrides the choice. The suite is the
embedded leg (SQLite, database bus) without the browser tests and the schema
fuzz run, on Django 6.1
with ``django.tasks`` built in and ``MAILERS`` configured the way Django 6.1's
``startproject`` writes it; the package's own deprecation warnings are errors
there as on the main leg (pyproject's ``filterwarnings``). Extra pytest
arguments go after ``--``: ``nox -s django61 -- tests/channels``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import nox

nox.options.sessions = ["django61"]
nox.options.reuse_existing_virtualenvs = True

PYTHON_BUILDS = ("3.13.0", "3.12.1")
DJANGO_61 = "Django>=6.1,<6.2"
TEST_DEPENDENCIES = (
    "pytest>=8.3",
    "pytest-django>=4.9",
    "pytest-asyncio>=0.24",
    "pytest-timeout>=2.3",
    "pytest-xdist>=3.6,<4",
    "websockets>=13",
    "httpx>=0.27",
    "hatchling>=1.25",
    "schemathesis>=4.0",
    "http-ece>=1.2",
    "cryptography>=42",
)


def modern_python() -> str | None:
    """Path of a Python >= 3.12 interpreter, or None when the machine has none."""
    explicit = os.environ.get("NOX_PYTHON")
    if explicit:
        return explicit if Path(explicit).is_file() else None
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return None
    for version in PYTHON_BUILDS:
        try:
            found = subprocess.run(
                [pyenv, "prefix", version], capture_output=True, text=True, timeout=30
            )
        except (OSError, subprocess.SubprocessError):
            return None
        candidate = Path(found.stdout.strip()) / "bin" / f"python{version.rsplit('.', 1)[0]}"
        if found.returncode == 0 and candidate.is_file():
            return str(candidate)
    return None


PYTHON = modern_python()


@nox.session(python=PYTHON or False)
def django61(session: nox.Session) -> None:
    """The embedded leg (no browser tests) on Django 6.1, with MAILERS as startproject writes it."""
    if PYTHON is None:
        session.skip(
            "NOT RUN: no Python >= 3.12 here (pyenv builds "
            + ", ".join(PYTHON_BUILDS)
            + " not found), and Django 6.1 needs one. Set NOX_PYTHON=/path/to/python3.13"
        )
    session.install(
        "-e",
        ".[redis,postgres,server,openapi,webpush,metrics,fcm,twilio,webhooks,chat]",
        DJANGO_61,
        "django-tasks-db>=0.13",
    )
    session.install(*TEST_DEPENDENCIES)
    session.run(
        "python",
        "-c",
        "import sys, django, django.tasks; "
        "print('Python', sys.version.split()[0], '/ Django', django.get_version(), "
        "'+ django.tasks')",
    )
    session.run(
        "python",
        "-m",
        "pytest",
        "-n",
        os.environ.get("PYTEST_WORKERS", "2"),
        "--dist",
        "loadfile",
        "-m",
        "not browser",
        "--ignore=tests/browser",
        # The schema fuzz run (minutes of schemathesis against a served demo) checks the
        # HTTP schema, which does not depend on the Django line: the 5.2 leg runs it.
        "--deselect=tests/schema/test_fuzz.py::test_schemathesis_finds_nothing",
        *session.posargs,
    )
