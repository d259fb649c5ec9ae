"""Scenario ``escalation``: what an escalation step costs per notification.

Beside the plain fan-out (``send_notification`` of a type without channels to
the same N users, same process): scheduling the step (the ``plan_event`` task
writing one ``scheduled`` row per notification with one ``INSERT ... SELECT``),
running it once due (``run_due_steps``: the claim under a lock on the
notification rows, the condition checked, the no-I/O locmem channel, the
outcomes written), and the plain ``deliver_batch`` of the same rows on the same
channel without escalation. Also one read with a pending step (cancelled in the
read's transaction) against one without. Each run in a fresh process of our
side (PostgreSQL, the README's production settings).
"""

from __future__ import annotations

import statistics
from typing import Any

from bench import common


def run(sizes: list[int], runs: int, reads: int, log: Any) -> dict[str, Any]:
    """``runs`` fresh processes per size; medians of each figure."""
    common.recreate_database(common.OURS_DB)
    common.ours("setup", max(sizes))
    rows = []
    for n in sizes:
        done = [common.ours("escalation", n, reads, BENCH_BUS="local") for _ in range(runs)]
        for result in done:
            if (result["scheduled"], result["sent"], result["cancelled"]) != (n, n, reads):
                raise RuntimeError(f"escalation n={n}: not every step ran as expected: {result}")

        def median(key: str, field: str = "seconds", done: list[Any] = done) -> float:
            return statistics.median(r[key][field] for r in done)

        row = {
            "n": n,
            "runs": runs,
            "plain_send_us": median("plain_send") / n * 1e6,
            "escalated_send_us": median("escalated_send") / n * 1e6,
            "plan_us": median("plan") / n * 1e6,
            "plan_statements": done[-1]["plan"]["statements"],
            "due_us": median("due") / n * 1e6,
            "due_statements": done[-1]["due"]["statements"],
            "at_once_us": median("at_once") / n * 1e6,
            "at_once_statements": done[-1]["at_once"]["statements"],
            "read_pending_ms": statistics.median(r["read_pending_ms"] for r in done),
            "read_none_ms": statistics.median(r["read_none_ms"] for r in done),
            "reads": reads,
        }
        log(
            f"escalation n={n:,}: send {row['plain_send_us']:.1f} µs/notification, "
            f"plan {row['plan_us']:.1f}, due step {row['due_us']:.1f}, "
            f"at once {row['at_once_us']:.1f}; read {row['read_pending_ms']:.2f} ms "
            f"with a pending step, {row['read_none_ms']:.2f} without"
        )
        rows.append(row)
    return {"rows": rows}


def report(result: dict[str, Any]) -> list[str]:
    """The Markdown section."""
    lines = [
        "## escalation: one delayed step per notification (µs per notification, medians)",
        "",
        "| N | plain fan-out | schedule the step (plan) | run it when due | "
        "same channel at once (no step) | SQL plan / due / at once | "
        "read, step pending / none (ms) |",
        "|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in result["rows"]:
        lines.append(
            f"| {r['n']:,} | {r['plain_send_us']:.1f} | {r['plan_us']:.1f} | "
            f"{r['due_us']:.1f} | {r['at_once_us']:.1f} | {r['plan_statements']} / "
            f"{r['due_statements']} / {r['at_once_statements']} | "
            f"{r['read_pending_ms']:.2f} / {r['read_none_ms']:.2f} |"
        )
    lines += [
        "",
        "plain fan-out = `send_notification` of a type without channels to the same users "
        "(the first send of the worker process). plan = the `plan_event` task writing the "
        "`scheduled` rows "
        "(one `INSERT ... SELECT` per step). when due = `run_due_steps`: claim under a lock "
        "on the notification rows (`FOR UPDATE SKIP LOCKED`), condition checked, the no-I/O "
        "locmem channel, outcomes written, in batches of `CHANNEL_BATCH_SIZE` (500). at once "
        "= `deliver_batch` of the same rows on the same channel. read = one `mark_read` "
        f"(median of {result['rows'][0]['reads'] if result['rows'] else 0}), the cancel "
        "of its pending step in the same transaction.",
        "",
    ]
    return lines
