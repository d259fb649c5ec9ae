"""Old import paths kept for one release after the 0.3 renovation (see CHANGELOG)."""

from __future__ import annotations

import importlib
import sys
import warnings


def alias_package(old: str, new: str, submodules: tuple[str, ...]) -> None:
    """Make ``old`` and ``old.<sub>`` the modules ``new`` and ``new.<sub>``, with a warning.

    Called from the old package's ``__init__``: after it, ``import old.sub`` finds the new
    module in ``sys.modules``, so queued tasks and settings that name the old dotted paths
    still import. A submodule whose optional dependency is missing is left out.
    """
    warnings.warn(
        f"{old} is now {new}; the old path will be removed in 0.4.",
        DeprecationWarning,
        stacklevel=3,
    )
    for name in submodules:
        try:
            module = importlib.import_module(f"{new}.{name}")
        except ImportError:
            continue
        sys.modules[f"{old}.{name}"] = module
