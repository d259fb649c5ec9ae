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
    """Each target of issue 5 with the measured value and whether it was met."""
    checks: list[tuple[str, Any, str, float]] = []
    for row in results.get("fanout", []):
        if row["n"] >= 10_000:
            checks.append((f"fanout n={row['n']:,} vs_peer", row["vs_peer"], ">=", 100))
        checks.append((f"fanout n={row['n']:,} vs_limit", row["vs_limit"], ">=", 0.5))
    if "list" in results:
        lst = results["list"]
        checks.append(("list queries_per_request", lst["queries_per_request"], "<=", 3))
        checks.append(("list vs_peer", lst["vs_peer"], ">=", 3))
    if "unread_count" in results:
        checks.append(("unread_count p50_us", results["unread_count"]["p50_us"], "<=", 100))
    for key in ("ws", "ws_pubsub"):
        if key not in results:
            continue
        ws = results[key]
        checks += [
            (f"{key} per_user_deliveries_per_s", ws["per_user_deliveries_per_s"], ">=", 1e4),
            (f"{key} per_user_p99_ms", ws["per_user_p99_ms"], "<=", 50),
            (f"{key} broadcast_p99_ms", ws["broadcast_p99_ms"], "<=", 100),
            (f"{key} vs_naive", ws["vs_naive"], ">=", 5),
        ]
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
        lines += [
            "## fanout: one send to N users (notifications/s)",
            "",
            "| N | ours | ours write only | ours pub/sub | ours SQL | ours peak RSS MiB | peer "
            "| peer SQL | raw INSERT...SELECT | vs peer | vs limit |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in results["fanout"]:
            lines.append(
                f"| {r['n']:,} | {_n(r['ours_per_s'])}{_range(r['ours_per_s_range'])} "
                f"| {_n(r['ours_write_only_per_s'])} | {_n(r.get('ours_pubsub_per_s'))} "
                f"| {r['ours_statements']} "
                f"| {_n(r['ours_peak_rss_mib'], 1)} | {_n(r['peer_per_s'])}"
                f"{_range(r['peer_per_s_range'])} | {r['peer_statements']:,} "
                f"| {_n(r['limit_per_s'])} | {_n(r['vs_peer'], 1)} | {_n(r['vs_limit'], 2)} |"
            )
        lines += [
            "",
            "ours = `send_notification` as shipped, including the after-commit pushes to "
            "channels_redis's core layer (nobody connected); write only = the same call with a "
            "transport that drops the frames; pub/sub = the same call on channels_redis's "
            "pub/sub layer.",
            "",
        ]
    if "list" in results:
        r = results["list"]
        lines += [
            f"## list: GET unread list, {r['notifications']:,} notifications, "
            f"{r['users']:,} users, {r['concurrency']} concurrent clients, uvicorn 1 worker",
            "",
            "| | req/s | p50 ms | p99 ms | SQL per request |",
            "|---|---:|---:|---:|---:|",
            f"| ours `{r['ours_path']}` (token) | {_n(r['req_per_s'])}"
            f"{_range(r['req_per_s_range'])} | {_n(r['p50_ms'], 1)} | {_n(r['p99_ms'], 1)} "
            f"| {r['queries_per_request']} |",
            f"| peer `{r['peer_path']}` (session) | {_n(r['peer_req_per_s'])}"
            f"{_range(r['peer_req_per_s_range'])} | {_n(r['peer_p50_ms'], 1)} "
            f"| {_n(r['peer_p99_ms'], 1)} | {r['peer_queries_per_request']} |",
            "",
            f"vs peer: {_n(r['vs_peer'], 2)}. Errors: ours {r['errors']}, peer {r['peer_errors']}.",
            "",
        ]
    if "unread_count" in results:
        r = results["unread_count"]
        lines += [
            "## unread_count: one user's unread count on the list table",
            "",
            f"SQL round trip p50 {_n(r['p50_us'])} µs, p99 {_n(r['p99_us'])} µs; execution "
            f"inside PostgreSQL p50 {_n(r.get('server_p50_us'))} µs; through "
            f"`services.unread_count` p50 {_n(r['orm_p50_us'])} µs ({r['samples']:,} random "
            "users).",
            "",
        ]
    for key, title in (
        ("ws", "core layer + ChannelLayerTransport (the default)"),
        ("ws_pubsub", "pub/sub layer + ChannelLayerTransport (the default)"),
    ):
        if key not in results:
            continue
        r = results[key]
        cpu = r["sender_cpu_us_per_push"]
        lines += [
            f"## {key}: {r['clients']:,} WebSocket clients, uvicorn 1 worker, channels_redis "
            f"{title}",
            "",
            "| | deliveries/s | p50 ms | p99 ms | sender CPU µs/push |",
            "|---|---:|---:|---:|---:|",
            f"| per-user pushes through the transport | {_n(r['per_user_deliveries_per_s'])}"
            f"{_range(r['per_user_deliveries_per_s_range'])} | {_n(r['per_user_p50_ms'], 1)} "
            f"| {_n(r['per_user_p99_ms'], 1)} | {_n(cpu['per_user'])} |",
            f"| naive: one awaited group_send per user | {_n(r['naive_deliveries_per_s'])} | - "
            f"| {_n(r['naive_p99_ms'], 1)} | {_n(cpu['naive'])} |",
            f"| broadcast: send_notification to all, commit to receipt "
            f"| {_n(r['broadcast_deliveries_per_s'])} | {_n(r['broadcast_p50_ms'], 1)} "
            f"| {_n(r['broadcast_p99_ms'], 1)} | {_n(cpu['broadcast'])} |",
            "",
            f"vs naive: {_n(r['vs_naive'], 2)} in deliveries/s, "
            f"{_n(r.get('sender_cpu_vs_naive'), 1)} in sender CPU per push. "
            "Server CPU per delivered frame: "
            f"{_n(r['server_cpu_us_per_delivery'])} µs. Frames not received: {r['lost']}.",
            "",
        ]
    if "memory" in results:
        r = results["memory"]
        lines += [
            "## memory: one send_notification to every user",
            "",
            f"{r['n']:,} notifications in {r['seconds']:.1f} s; peak RSS growth "
            f"{r['rss_growth_mib']:.1f} MiB over a {r['baseline_rss_mib']:.0f} MiB baseline.",
            "",
        ]
    lines += ["## Targets", "", "| target | measured | goal | met |", "|---|---:|---:|---|"]
    for t in results["targets"]:
        value = t["value"]
        shown = f"{value:,.2f}" if isinstance(value, float) else str(value)
        lines.append(
            f"| {t['target']} | {shown} | {t['op']} {t['threshold']:,g} "
            f"| {'yes' if t['met'] else '**no**'} |"
        )
    return "\n".join(lines) + "\n"
