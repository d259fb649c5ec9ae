"""The built wheel ships what the app needs, and a brand-new project works from it alone.

The project is made by ``django-admin startproject`` and configured only as
API.md says; the unpacked wheel (not the repository) is on its PYTHONPATH.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PROJECT_FILES = Path(__file__).with_name("project")


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 60) -> str:
    """Run a command; fail the test with its output if it fails."""
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from the repository, as ``pip wheel`` builds it."""
    out = tmp_path_factory.mktemp("wheel")
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out)]
    if importlib.util.find_spec("hatchling") is not None:
        # The build backend is installed (test dependency group): build offline.
        command.append("--no-build-isolation")
    run([*command, str(REPO)], cwd=out, timeout=120)
    (built,) = out.glob("django_rest_notifications-*.whl")
    return built


def tracked_package_files() -> set[str]:
    """Files of the package that git tracks (what the wheel must carry)."""
    listed = run(["git", "ls-files", "notifications"], cwd=REPO).split()
    # Files added but not yet committed count too: the wheel is built from the tree.
    listed += run(
        ["git", "ls-files", "--others", "--exclude-standard", "notifications"], cwd=REPO
    ).split()
    return {name for name in listed if (REPO / name).exists()}


def test_wheel_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())

    assert "notifications/py.typed" in names
    assert "notifications/migrations/__init__.py" in names
    assert "notifications/migrations/0001_initial.py" in names
    migrations = {n for n in tracked_package_files() if n.startswith("notifications/migrations/")}
    assert migrations <= names
    shipped = {n for n in tracked_package_files() if n.startswith(("notifications/static/",))}
    templates = {n for n in tracked_package_files() if "/templates/" in n}
    assert shipped <= names
    assert templates <= names
    # The compiled catalogues: the runtime needs no gettext.
    catalogues = {n for n in tracked_package_files() if n.startswith("notifications/locale/")}
    assert {"notifications/locale/pl/LC_MESSAGES/django.mo"} <= catalogues <= names
    assert {n for n in tracked_package_files() if n.endswith(".py")} <= names
    assert not any(n.startswith(("tests/", "example/", "bench/")) for n in names)
    assert not any("__pycache__" in n for n in names)
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    for requirement in ("django", "djangorestframework", "channels"):
        assert f"requires-dist: {requirement}" in text.lower()


def test_new_project_works_from_the_wheel(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    django_admin = Path(sys.executable).with_name("django-admin")
    run([str(django_admin), "startproject", "mysite"], cwd=tmp_path)
    project = tmp_path / "mysite"
    configure(project / "mysite")
    shutil.copy(PROJECT_FILES / "try_it.py", project / "try_it.py")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "NOTIFICATIONS_"))},
        "PYTHONPATH": str(site),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    python = sys.executable

    migrated = run([python, "manage.py", "migrate", "--noinput"], cwd=project, env=env)
    checked = run([python, "manage.py", "check"], cwd=project, env=env)
    tried = run([python, "try_it.py"], cwd=project, env=env)

    assert "Applying notifications.0001_initial... OK" in migrated
    assert "notifications.E" not in checked
    assert "notifications.W" not in checked
    report = json.loads(tried.strip().splitlines()[-1])
    assert report["package"].startswith(str(site))
    assert report["types"] == ["post_like", "post_comment"]
    assert report["count"] == 1
    for form in ("seed", "include"):
        listed = report[form]
        assert listed["count"] == 1
        (item,) = listed["results"]
        assert item["event"]["type"]["name"] == "post_like"
        assert item["event"]["data"] == {"post": 7}
        assert item["readed"] is None
    assert report["filter"] == {"event_types": ["post_like", "post_comment"]}
    assert report["routes_alias"] is True
    assert report["frame"]["action"] == "new"
    assert report["frame"]["notification"] == report["seed"]["results"][0]


def configure(package: Path) -> None:
    """Append to the generated settings, urls and asgi modules what API.md tells users to."""
    settings = package / "settings.py"
    tail = (PROJECT_FILES / "settings_tail.py").read_text()
    settings.write_text(f"{settings.read_text()}\n\n{tail}")
    shutil.copy(PROJECT_FILES / "urls.py", package / "urls.py")
    shutil.copy(PROJECT_FILES / "asgi.py", package / "asgi.py")
