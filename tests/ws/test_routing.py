"""The seed README's routing snippet works verbatim, in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SEED_SNIPPET = """
import django
django.setup()
import notifications.routing
from channels.auth import AuthMiddlewareStack
from channels.routing import ProtocolTypeRouter, URLRouter
application = ProtocolTypeRouter({
    "websocket": AuthMiddlewareStack(URLRouter(notifications.routes.websocket_urlpatterns)),
})
assert notifications.routes.websocket_urlpatterns is notifications.routing.websocket_urlpatterns
print([str(p.pattern) for p in notifications.routes.websocket_urlpatterns])
"""

ALIAS_FIRST = """
import django
django.setup()
import notifications.routes
print([str(p.pattern) for p in notifications.routing.websocket_urlpatterns])
"""


@pytest.mark.parametrize("code", [SEED_SNIPPET, ALIAS_FIRST], ids=["seed", "alias-first"])
def test_either_module_makes_both_available(code: str) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['ws/notifications']"
