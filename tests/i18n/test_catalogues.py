"""The shipped catalogues are current: every marked string is in them, and each .mo is its .po.

Needs GNU gettext (``xgettext``, ``msgfmt``, ``msgunfmt``: Debian's ``gettext``), as
``make messages`` does; without it the test skips, saying so (fails when CI=true); the
runtime needs only the .mo. ``make test`` installs it as root (scripts/ensure-tool.sh).
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from notifications.templatetags.notifications_i18n import INBOX_STRINGS

ROOT = Path(__file__).resolve().parents[2]
#: Each folder whose strings ``make messages`` collects, and its languages.
CATALOGUES = {ROOT / "notifications": ("en", "pl"), ROOT / "example" / "demo": ("en", "pl")}
DJANGO_ADMIN = str(Path(sys.executable).with_name("django-admin"))
ENTRY = re.compile(r'^(msgctxt|msgid|msgid_plural) ((?:".*"\n?)+)', re.M)


def msgids(po: str) -> set[tuple[str | None, str, str | None]]:
    """(context, msgid, plural) of every entry of a .po text, but the header."""
    found: set[tuple[str | None, str, str | None]] = set()
    context: str | None = None
    for block in po.split("\n\n"):
        parts = {
            key: "".join(ast.literal_eval(line) for line in value.split("\n") if line)
            for key, value in ENTRY.findall(block)
        }
        if parts.get("msgid"):
            context = parts.get("msgctxt")
            found.add((context, parts["msgid"], parts.get("msgid_plural")))
    return found


def gettext_tool(name: str) -> str:
    path = shutil.which(name)
    if path:
        return path
    missing = f"{name} is missing: install GNU gettext (sudo apt-get install -y gettext)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(missing, pytrace=False)
    pytest.skip(missing)


@pytest.mark.parametrize(
    ("folder", "language"),
    [(folder, language) for folder, languages in CATALOGUES.items() for language in languages],
    ids=lambda value: value.name if isinstance(value, Path) else value,
)
def test_the_catalogue_has_every_marked_string(tmp_path: Path, folder: Path, language: str) -> None:
    gettext_tool("xgettext")
    copy = tmp_path / folder.name
    shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("__pycache__", "locale"))
    (copy / "locale").mkdir()  # makemessages writes an app's catalogue where one exists
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "tests.settings"}
    made = subprocess.run(
        # django-admin, not ``python -m django``: the folder must not shadow packages
        # (the package's deprecated ``channels`` alias would hide Django Channels).
        [DJANGO_ADMIN, "makemessages", "-l", language, "-e", "html,txt,py"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
    )
    assert made.returncode == 0, made.stderr
    fresh = (copy / "locale" / language / "LC_MESSAGES" / "django.po").read_text()
    committed = (folder / "locale" / language / "LC_MESSAGES" / "django.po").read_text()

    assert msgids(fresh) == msgids(committed), "stale catalogue: run `make messages`"


@pytest.mark.parametrize(
    "po",
    sorted(
        po
        for folder in ("notifications", "example/demo", "tests/testapp")
        for po in ROOT.glob(f"{folder}/locale/*/LC_MESSAGES/*.po")
    ),
    ids=lambda path: str(path.relative_to(ROOT)),
)
def test_each_mo_is_its_po_compiled(tmp_path: Path, po: Path) -> None:
    msgfmt, msgunfmt = gettext_tool("msgfmt"), gettext_tool("msgunfmt")
    compiled = tmp_path / "fresh.mo"
    subprocess.run([msgfmt, "--check", "-o", str(compiled), str(po)], check=True)

    def decompiled(mo: Path) -> str:
        return subprocess.run(
            [msgunfmt, str(mo)], check=True, capture_output=True, text=True
        ).stdout

    assert decompiled(po.with_suffix(".mo")) == decompiled(compiled), "run `make messages`"


def test_polish_has_every_string_translated() -> None:
    po = (ROOT / "notifications" / "locale" / "pl" / "LC_MESSAGES" / "django.po").read_text()
    assert not re.search(r'^msgstr(\[\d\])? ""\n\n', po + "\n", re.M), "untranslated entries"
    assert "#, fuzzy" not in po


def test_the_inbox_strings_are_the_elements_defaults() -> None:
    script = (ROOT / "notifications" / "static" / "notifications" / "inbox.js").read_text()
    block = script[
        script.index("export const STRINGS") : script.index("});", script.index("STRINGS"))
    ]
    defaults = dict(re.findall(r'^\s+(\w+): "((?:[^"\\]|\\.)*)",', block, re.M))

    assert {key: str(text) for key, text in INBOX_STRINGS.items()} == defaults
