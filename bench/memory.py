"""Scenario ``memory``: peak RSS growth of one ``send_notification`` to every user."""

from __future__ import annotations

from typing import Any

from bench import common


def run(n: int, log: Any) -> dict[str, Any]:
    """In a fresh process: baseline RSS after setup, then VmHWM after the send."""
    common.recreate_database(common.OURS_MEMORY_DB)
    db = {"BENCH_DB": common.OURS_MEMORY_DB}
    common.ours("setup", n, **db)
    log(f"memory: {n:,} users loaded")
    result: dict[str, Any] = common.ours("memory", n, timeout=3600, **db)
    if result["transport_errors"]:
        log("memory: the push transport failed during the send; the figure is too low")
    common.drop_database(common.OURS_MEMORY_DB)
    return result
