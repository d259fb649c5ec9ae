"""Per-user notifications for Django: REST on DRF, live delivery on Channels."""

from __future__ import annotations

import importlib
from types import ModuleType

__version__ = "0.1.0"


def __getattr__(name: str) -> ModuleType:
    # The seed README does `import notifications.routing` and then uses
    # `notifications.routes`: the alias module is imported on first access, so
    # neither module imports the other's importer (no cycle).
    if name == "routes":
        return importlib.import_module("notifications.routes")
    raise AttributeError(f"module 'notifications' has no attribute {name!r}")
