"""Scenario ``subscribers``: a send to an object's subscribers vs a plain QuerySet of them.

``python -m bench --only subscribers``. N users follow a post (1 % of them
muted it); one warm process sends about the post, interleaved, to
``subscribers(post)`` and to ``User.objects.filter(pk__lte=N)``: the same
rows, written by one ``INSERT ... SELECT`` per chunk each (the write path: no
bus). The target of issue 25: subscribers >= 80 % of the plain rate. Also the
list's cost with ``?with=target_muted`` beside the plain list.
"""

from __future__ import annotations

from typing import Any

from bench import common


def run(n: int, runs: int, log: Any) -> dict[str, Any]:
    """Fresh database with ``n`` users; the worker's interleaved pairs; medians and ratios."""
    common.recreate_database(common.OURS_DB)
    common.ours("setup", n)
    raw = common.ours("subscribers", n, runs, BENCH_BUS="local", timeout=3600)
    subs, plain = raw["seconds"]["subscribers"], raw["seconds"]["queryset"]
    # Rate ratio run by run: plain time / subscribers time (1.0: as fast).
    ratios = common.summary([p / s for p, s in zip(plain, subs, strict=True)])
    result = {
        "n": n,
        "rows": raw["rows"],
        "runs": runs,
        "subscribers_per_s": raw["rows"] / common.summary(subs)["median"],
        "queryset_per_s": raw["rows"] / common.summary(plain)["median"],
        "ratio": {key: ratios[key] for key in ("median", "min", "max")},
        "statements": raw["statements"],
        "list_plain": raw["list_plain"],
        "list_with_mutes": raw["list_with_mutes"],
    }
    log(
        f"subscribers n={n:,}: {result['subscribers_per_s']:,.0f}/s vs plain "
        f"{result['queryset_per_s']:,.0f}/s = {result['ratio']['median']:.0%}"
    )
    return result


def report(r: dict[str, Any]) -> list[str]:
    """The scenario's Markdown section."""
    ratio = r["ratio"]
    plain, muted = r["list_plain"], r["list_with_mutes"]
    return [
        f"## subscribers: one send about a post to its {r['n']:,} subscribers "
        "vs a plain QuerySet of the same users",
        "",
        "| audience | notifications/s | SQL statements |",
        "|---|---:|---:|",
        f"| `subscribers(post)` | {r['subscribers_per_s']:,.0f} "
        f"| {r['statements']['subscribers']} |",
        f"| `User.objects.filter(pk__lte=N)` | {r['queryset_per_s']:,.0f} "
        f"| {r['statements']['queryset']} |",
        "",
        f"Subscribers / plain rate: {ratio['median']:.0%} ({ratio['min']:.0%}-{ratio['max']:.0%}), "
        f"target >= 80%. {r['rows']:,} rows per send (1% of the subscribers muted the post, "
        f"so both statements leave them out); {r['runs']} interleaved pairs in one warm "
        "process, the write path (no bus).",
        "",
        f"List, one user, 1,000 rows (a third about the muted post), in-process view: "
        f"p50 {plain['p50_ms']:.2f} ms plain, {muted['p50_ms']:.2f} ms with "
        f"`?with=target_muted` (p90 {plain['p90_ms']:.2f} / {muted['p90_ms']:.2f}).",
        "",
    ]
