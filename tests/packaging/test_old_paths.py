"""The 0.3 renovation moved modules; the old dotted paths import for one release, warning."""

from __future__ import annotations

import importlib
import sys

import pytest


@pytest.mark.parametrize(
    ("old", "new", "name"),
    [
        ("notifications.channels.base", "notifications.outbound.base", "BaseChannel"),
        ("notifications.channels.tasks", "notifications.outbound.tasks", "plan_event"),
        ("notifications.bus.base", "notifications.realtime.bus.base", "BaseBus"),
        ("notifications.bus.locmem", "notifications.realtime.bus.locmem", "outbox"),
        ("notifications.auth", "notifications.realtime.auth", "TokenAuthMiddlewareStack"),
    ],
)
def test_an_old_path_imports_the_same_object_with_a_deprecation_warning(
    old: str, new: str, name: str
) -> None:
    for module in [m for m in sys.modules if m == old or m.startswith(old.rsplit(".", 1)[0])]:
        if module.startswith(("notifications.channels", "notifications.bus", "notifications.auth")):
            del sys.modules[module]
    with pytest.warns(DeprecationWarning, match="removed in 0.4"):
        moved = importlib.import_module(old)
    assert getattr(moved, name) is getattr(importlib.import_module(new), name)
