"""Targets, the Markdown report and the console table."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from bench import common


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    with common.connect("postgres") as conn:
        row = conn.execute("SHOW server_version").fetchone()
        pg = row[0] if row else "?"
    redis = subprocess.run(
        ["redis-cli", "-u", common.REDIS_URL, "INFO", "server"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    redis_version = next(
        (
            line.split(":", 1)[1].strip()
            for line in redis.splitlines()
            if line.startswith("redis_version")
        ),
        "?",
    )
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        cwd=common.ROOT,
        check=False,
    ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "postgresql": pg,
        "redis": redis_version,
        "commit": commit,
        "load_average_at_start": os.getloadavg(),
    }


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of issues 14 and 15 (and the earlier ones) with the value and whether met."""
    checks: list[tuple[str, Any, str, float]] = []
    for row in results.get("fanout", {}).get("rows", []):
        n = row["n"]
        if n >= 10_000:
            if row["cold_vs_peer"] is not None:
                checks.append(
                    (f"fanout n={n:,} cold, x peer", row["cold_vs_peer"]["median"], ">=", 100)
                )
            checks.append(
                (f"fanout n={n:,} cold, x thin limit", row["cold_vs_thin"]["median"], ">=", 0.6)
            )
        else:
            checks.append(
                (f"fanout n={n:,} cold, x thin limit", row["cold_vs_thin"]["median"], ">=", 0.3)
            )
    for row in results.get("fixed_cost", []):
        if row["n"] == 1:
            checks.append(("single-recipient send, warm ms", row["warm_total_ms"], "<=", 2.5))
            checks.append(
                ("single-recipient sends/s, one process", 1000 / row["warm_total_ms"], ">=", 400)
            )
    lst = results.get("list", {})
    if "token" in lst:
        checks.append(("list req/s (pool, token)", lst["token"]["req_per_s"], ">=", 300))
        checks.append(("list p99 ms (pool, token)", lst["token"]["p99_ms"], "<=", 100))
        checks.append(("list x peer", lst["vs_peer"], ">=", 5))
        if "vs_bare" in lst:
            checks.append(("list x bare limit", lst["vs_bare"], ">=", 0.35))
        if "session" in lst:
            checks.append(
                (
                    "list session / token req/s",
                    lst["session"]["req_per_s"] / lst["token"]["req_per_s"],
                    ">=",
                    0.8,
                )
            )
        checks.append(("list SQL per request (token)", lst["token"]["statements"], "<=", 3))
    subs = results.get("subscribers")
    if subs:
        checks.append(
            (
                f"fan-out to {subs['n']:,} subscribers / plain QuerySet",
                subs["ratio"]["median"],
                ">=",
                0.8,
            )
        )
    count = results.get("unread_count", {})
    if "count" in count:
        checks.append(("unread count req/s (200)", count["count"]["req_per_s"], ">=", 800))
    if "count_304" in count:
        checks.append(
            (
                "unread count 304 / 200 req/s",
                count["count_304"]["req_per_s"] / count["count"]["req_per_s"],
                ">=",
                1,
            )
        )
    if "realtime" in results:
        rt = results["realtime"]
        checks += [
            (
                "realtime frames/s (1,000 sockets, 1 worker)",
                rt["frames_ours"]["frames_per_s"],
                ">=",
                2e4,
            ),
            ("realtime p99 ms (paced)", rt["frames_ours"]["p99_ms"], "<=", 50),
            ("broadcast p99 ms", rt["broadcast_ours"]["p99_ms"], "<=", 1000),
            (
                "broadcast sender CPU µs/recipient",
                rt["broadcast_ours"]["sender_cpu_us_per_recipient"],
                "<=",
                5,
            ),
            ("single-recipient call p50 ms", rt["single_ours"]["call_p50_ms"], "<=", 3),
            ("SQLite cross-process p99 ms", rt["sqlite_cross_process"]["p99_ms"], "<=", 250),
            ("idle sockets closed by the server", rt["idle_ours"]["closed_by_server"], "<=", 0),
        ]
    if "i18n" in results:
        ratio = results["i18n"]["list"]["ratio_p50"]
        checks.append(("i18n list translated / literal p50", ratio, "<=", 1.10))
    if "memory" in results:
        mem = results["memory"]
        checks.append((f"memory rss_growth_mib (n={mem['n']:,})", mem["rss_growth_mib"], "<=", 30))
    return [
        {
            "target": name,
            "value": value,
            "op": op,
            "threshold": threshold,
            "met": value is not None and (value >= threshold if op == ">=" else value <= threshold),
        }
        for name, value, op, threshold in checks
    ]


def _n(value: Any, digits: int = 0) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and digits:
        return f"{value:,.{digits}f}"
    return f"{value:,.0f}" if isinstance(value, int | float) else str(value)


def _range(pair: list[float] | None) -> str:
    return f" ({_n(pair[0])}-{_n(pair[1])})" if pair else ""


def markdown(results: dict[str, Any]) -> str:
    """The report as Markdown tables (also printed to the console)."""
    meta = results["meta"]
    lines = [
        f"# Benchmark results ({'quick' if meta['quick'] else 'full'} run)",
        "",
        f"{meta['date']} - commit {meta['machine']['commit']} - {meta['machine']['cpu']}, "
        f"{meta['machine']['cores']} cores, {meta['machine']['memory_gib']} GiB - Python "
        f"{meta['machine']['python']}, PostgreSQL {meta['machine']['postgresql']}, Redis "
        f"{meta['machine']['redis']} on loopback - peer: django-notifications-hq "
        f"{meta['peer'].get('django-notifications-hq', '?')} on Django "
        f"{meta['peer'].get('Django', '?')} - load average at start "
        f"{', '.join(f'{x:.1f}' for x in meta['machine']['load_average_at_start'])}.",
        "Medians of interleaved runs, (min-max) in brackets.",
        "",
    ]
    if "fanout" in results:
        lines += _fanout(results["fanout"])
    if "fixed_cost" in results:
        lines += _fixed_cost(results["fixed_cost"])
    if "list" in results:
        lines += _list(results["list"])
    if "unread_count" in results:
        lines += _unread_count(results["unread_count"])
    if "inbox" in results:
        lines += _inbox(results["inbox"])
    if "realtime" in results:
        from bench.realtime import report as realtime_report

        lines += [*realtime_report(results["realtime"]).splitlines(), ""]
    if "memory" in results:
        r = results["memory"]
        lines += [
            "## memory: one send_notification to every user",
            "",
            f"{r['n']:,} notifications in {r['seconds']:.1f} s; peak RSS growth "
            f"{r['rss_growth_mib']:.1f} MiB over a {r['baseline_rss_mib']:.0f} MiB baseline.",
            "",
        ]
    if "subscribers" in results:
        from bench.subscribers import report as subscribers_report

        lines += subscribers_report(results["subscribers"])
    if "escalation" in results:
        from bench.escalation import report as escalation_report

        lines += escalation_report(results["escalation"])
    if "i18n" in results:
        from bench.i18n import markdown as i18n_markdown

        lines += i18n_markdown(results["i18n"])
    if "outbound_channels" in results:
        from bench.outbound_channels import markdown as outbound_markdown

        lines += [*outbound_markdown(results["outbound_channels"]).splitlines(), ""]
    for name in results.get("failed", {}):
        lines += [f"## {name}: FAILED (traceback in the JSON file)", ""]
    lines += ["## Targets", "", "| target | measured | goal | met |", "|---|---:|---:|---|"]
    for t in results["targets"]:
        value = t["value"]
        shown = f"{value:,.2f}" if isinstance(value, float) else str(value)
        lines.append(
            f"| {t['target']} | {shown} | {t['op']} {t['threshold']:,g} "
            f"| {'yes' if t['met'] else '**no**'} |"
        )
    return "\n".join(lines) + "\n"


def _ratio(pair: dict[str, float] | None, digits: int = 2) -> str:
    if not pair:
        return "-"
    return f"{pair['median']:,.{digits}f} ({pair['min']:,.{digits}f}-{pair['max']:,.{digits}f})"


def _fanout(fan: dict[str, Any]) -> list[str]:
    lines = [
        "## fanout: one send to N users, each in a fresh process (notifications/s)",
        "",
        "| N | ours cold | ours warm | cold: write / push ms | SQL | peer | x peer (cold) "
        "| thin limit | x thin (cold) | x thin (warm) | own-table limit | x own (cold) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in fan["rows"]:
        lines.append(
            f"| {r['n']:,} | {_n(r['cold_per_s'])}{_range(r['cold_per_s_range'])} "
            f"| {_n(r['warm_per_s'])} | {r['cold_write_ms']:.1f} / {r['cold_push_ms']:.1f} "
            f"| {r['cold_statements']} | {_n(r['peer_per_s'])} | {_ratio(r['cold_vs_peer'], 0)} "
            f"| {_n(r['limits_per_s']['thin'])} | {_ratio(r['cold_vs_thin'])} "
            f"| {_ratio(r['warm_vs_thin'])} | {_n(r['limits_per_s']['own'])} "
            f"| {_ratio(r['cold_vs_own'])} |"
        )
    lines += [
        "",
        "cold = the first call of a fresh process (connection, event type, transport set up "
        "inside the call); warm = a later call. write = call to COMMIT (before the first row, "
        "the rows, the count); push = after COMMIT (presence check, frames; nobody is "
        "connected). x limit = limit time / our time, run by run. thin = `INSERT ... SELECT` "
        "into a table with only an inbox's indexes; own = the same into the package's table.",
        "",
        "### What each index costs per inserted row (raw `INSERT ... SELECT`, µs/row)",
        "",
        "| table | " + " | ".join(f"N={r['n']:,}" for r in fan["rows"]) + " |",
        "|---|" + "---:|" * len(fan["rows"]),
    ]
    for name, what in fan["tables"].items():
        lines.append(
            f"| {name}: {what} | "
            + " | ".join(f"{r['limits_us_per_row'][name]:.2f}" for r in fan["rows"])
            + " |"
        )
    lines.append("")
    return lines


def _fixed_cost(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "## fixed_cost: the cost of one call at small audiences (ms, medians)",
        "",
        "| N | cold total | cold write | cold push | cold SQL | warm total | warm write "
        "| warm push | warm CPU | warm SQL |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['n']:,} | {r['cold_total_ms']:.1f} | {r['cold_write_ms']:.1f} "
            f"| {r['cold_push_ms']:.1f} | {r['cold_statements']} | {r['warm_total_ms']:.2f} "
            f"| {r['warm_write_ms']:.2f} | {r['warm_push_ms']:.2f} | {r['warm_cpu_ms']:.2f} "
            f"| {r['warm_statements']} |"
        )
    lines += [
        "",
        f"{rows[0]['runs']} fresh processes per N, each one cold call then "
        f"{rows[0]['calls']} warm ones. N=1 passes a user instance, larger N a QuerySet. "
        "push = the after-commit half (the delivery engine's).",
        "",
    ]
    return lines


def _bound(r: dict[str, Any]) -> str:
    """What bounds a load figure: the worker's CPU when it is near one full core."""
    share = r["server_cpu_ms"] * r["req_per_s"] / 1000
    return f"{share:.0%} of a core" + (" (CPU-bound)" if share >= 0.85 else "")


def _list(lst: dict[str, Any]) -> list[str]:
    lines = [
        f"## list: GET unread list, {lst['notifications']:,} notifications, {lst['users']:,} "
        f"users, {lst['concurrency']} concurrent clients, uvicorn 1 worker",
        "",
        "| | req/s | p50 ms | p99 ms | server CPU ms/request | worker busy | SQL |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    labels = {
        "token": "ours, token, pool (README production)",
        "session": "ours, session, pool",
        "token_server_binding": "ours, token, pool + server-side binding",
        "token_no_pool": "ours, token, CONN_MAX_AGE=0 no pool",
        "session_no_pool": "ours, session, CONN_MAX_AGE=0 no pool",
        "peer": "peer, session (Django 4.2, no pool)",
        "bare": "bare limit: ASGI + psycopg pool, no Django, token",
    }
    for key, label in labels.items():
        if key not in lst:
            continue
        r = lst[key]
        lines.append(
            f"| {label} `{r['path']}` | {_n(r['req_per_s'])}{_range(r['req_per_s_range'])} "
            f"| {_n(r['p50_ms'], 1)} | {_n(r['p99_ms'], 1)} | {_n(r['server_cpu_ms'], 2)} "
            f"| {_bound(r)} | {r['statements']} |"
        )
    errors = {key: lst[key]["errors"] for key in labels if key in lst}
    bare = f", x bare limit: {_n(lst['vs_bare'], 2)}" if "vs_bare" in lst else ""
    lines += [
        "",
        f"x peer (token, pool): {_n(lst['vs_peer'], 2)}{bare}. Errors: {errors}.",
        "",
    ]
    return lines


def _unread_count(count: dict[str, Any]) -> list[str]:
    lines = [
        "## unread_count: GET unread-count/, 16 clients, uvicorn 1 worker, token, pool",
        "",
        "| | req/s | p50 ms | p99 ms | server CPU ms/request | worker busy | SQL |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key, label in (("count", "200 with body"), ("count_304", "If-None-Match -> 304")):
        if key not in count:
            continue
        r = count[key]
        lines.append(
            f"| {label} | {_n(r['req_per_s'])}{_range(r['req_per_s_range'])} "
            f"| {_n(r['p50_ms'], 1)} | {_n(r['p99_ms'], 1)} | {_n(r['server_cpu_ms'], 2)} "
            f"| {_bound(r)} | {r['statements']} |"
        )
    if "count_304" in count:
        lines.append(
            f"\n304 answers: {count['count_304']['not_modified']:,} of "
            f"{count['count_304']['requests']:,}."
        )
    sql = count.get("sql")
    if sql:
        lines += [
            "",
            f"The count's SQL alone: round trip p50 {_n(sql['p50_us'])} µs, p99 "
            f"{_n(sql['p99_us'])} µs; inside PostgreSQL p50 {_n(sql['server_p50_us'])} µs; "
            f"through `services.unread_count` p50 {_n(sql['orm_p50_us'])} µs.",
        ]
    lines.append("")
    return lines


def _inbox(inbox: dict[str, Any]) -> list[str]:
    lines = [
        f"## inbox: one user with {inbox['rows']:,} notifications, one client, token, pool",
        "",
        "| page | p50 ms |",
        "|---|---:|",
    ]
    for key in ("offset_0", "offset_100k", "cursor_first", "cursor_100k"):
        r = inbox[key]
        lines.append(f"| `{r['path'][:70]}` | {_n(r['p50_ms'], 1)} |")
    lines += [
        "",
        "Offset pages count the whole inbox and walk the index to the offset; cursor pages "
        "never count and start at the cursor's id. The deep cursor page's `previous` link "
        f"led back to the page before it: {inbox['cursor_previous_ok']}.",
        "",
    ]
    return lines
