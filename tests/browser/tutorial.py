"""The README's tutorial project, built from its marked blocks and served by uvicorn.

The files come from the README's ``<!-- tutorial: append|write PATH -->`` blocks
(parsed by ``scripts/tutorial.py``, which CI also runs from the built wheel);
the package is the repository's (on ``PYTHONPATH``), so a browser test can
follow the tutorial's page without installing anything.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.servers import free_port, uvicorn_process

REPO = Path(__file__).resolve().parents[2]
PASSWORD = "tutorial-password-1"


def readme_blocks() -> list[tuple[str, str | None, str]]:
    """The tutorial's marked blocks, in order, as scripts/tutorial.py reads them."""
    spec = importlib.util.spec_from_file_location("tutorial_script", REPO / "scripts/tutorial.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    blocks: list[tuple[str, str | None, str]] = module.blocks(REPO / "README.md")
    return blocks


@dataclass
class Tutorial:
    """The served project: ``url``, its directory and environment, ``send()`` as step 5 does."""

    url: str
    project: Path
    env: dict[str, str]
    log_path: Path

    def run(self, script: str) -> str:
        """Run a shell block of the README in the project (``python`` is this interpreter)."""
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script],
            cwd=self.project,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, f"{script}\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def send_step(self) -> None:
        """Step 5 of the README, as written."""
        (code,) = [code for action, _, code in readme_blocks() if action == "send"]
        self.run(code)

    def shell(self, code: str) -> str:
        return self.run(f"python manage.py shell -c {code!r}")


def build_project(directory: Path, settings_tail: str = "") -> dict[str, str]:
    """startproject, the README's files, migrate, the admin user; the environment to use."""
    bindir = directory / "bin"  # `python` in the README's commands is this interpreter
    bindir.mkdir()
    wrapper = bindir / "python"  # a wrapper, not a symlink: a venv's python finds its venv
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    wrapper.chmod(0o755)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "NOTIFICATIONS_"))},
        "PATH": f"{bindir}:{os.environ['PATH']}",
        "PYTHONPATH": str(REPO),
        "DJANGO_SETTINGS_MODULE": "mysite.settings",
        "DJANGO_SUPERUSER_PASSWORD": PASSWORD,
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    project = directory / "project"
    project.mkdir()
    subprocess.run(
        [sys.executable, "-m", "django", "startproject", "mysite", "."],
        cwd=project,
        env=env,
        check=True,
        capture_output=True,
    )
    for action, path, code in readme_blocks():
        if action not in ("append", "write"):
            continue
        assert path
        target = project / path
        target.parent.mkdir(parents=True, exist_ok=True)
        before = target.read_text() + "\n" if action == "append" else ""
        target.write_text(before + code)
    if settings_tail:
        settings = project / "mysite/settings.py"
        settings.write_text(settings.read_text() + "\n" + settings_tail)
    for command in (
        ["migrate", "--noinput", "-v0"],
        ["createsuperuser", "--noinput", "--username", "admin", "--email", "admin@example.com"],
    ):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=project,
            env=env,
            check=True,
            capture_output=True,
        )
    return env


@contextmanager
def serve_tutorial(
    directory: Path, settings_tail: str = "", timeout: float = 120
) -> Iterator[Tutorial]:
    """The README's project under uvicorn, as step 4 serves it, on a free port."""
    env = build_project(directory, settings_tail)
    project = directory / "project"
    port = free_port()
    log_path = directory / "server.log"
    tutorial = Tutorial(f"http://127.0.0.1:{port}", project, env, log_path)
    with uvicorn_process(
        ["mysite.asgi:application"],
        cwd=project,
        env=env,
        log_path=log_path,
        port=port,
        probe="/admin/login/",
        timeout=timeout,
    ):
        yield tutorial
