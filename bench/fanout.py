"""Scenarios ``fanout`` and ``fixed_cost``: one send to N users, as users meet it.

Every send of ours runs in a fresh process, first cold (the process's first
call: connection, event type, bus) and then warm. Beside it, interleaved:
the peer's ``notify.send`` and the database's own limits, raw ``INSERT ... SELECT``
statements of the same rows into

- ``thin``: a table with only what an inbox needs (primary key, the user's page
  ``(user_id, id DESC)``, the partial unread index) -- the limit the targets use;
- ``own``: the package's own table with all its indexes, inserted plainly as a
  QuerySet audience's chunks are (lists of ids add ``ON CONFLICT DO NOTHING``);

and, for the index report, the same insert into tables that add one index at a time.
"""

from __future__ import annotations

import time
from typing import Any

from bench import common

COLUMNS = (
    "id bigserial PRIMARY KEY, user_id integer NOT NULL, event_id bigint NOT NULL,"
    " readed timestamptz NULL, seen timestamptz NULL, archived timestamptz NULL,"
    " expires timestamptz NULL, delivered timestamptz NOT NULL, count integer NOT NULL"
)
PAGE = "CREATE INDEX ON {t} (user_id, id DESC)"
UNREAD = "CREATE INDEX ON {t} (user_id) WHERE readed IS NULL"
EVENT = "CREATE INDEX ON {t} (event_id, user_id)"
UNIQUE = "CREATE UNIQUE INDEX ON {t} (event_id, user_id)"
# The package's own, beyond the thin table's (see Notification.Meta.indexes).
UNREAD_LIVE = "CREATE INDEX ON {t} (user_id, expires) WHERE archived IS NULL AND readed IS NULL"
INBOX = "CREATE INDEX ON {t} (user_id, delivered DESC, id DESC, expires) WHERE archived IS NULL"
UNSEEN = "CREATE INDEX ON {t} (user_id, expires) WHERE archived IS NULL AND seen IS NULL"
# name -> (indexes, what it adds); "thin" is the inbox limit, "own" the package's table.
TABLES: dict[str, tuple[list[str], str]] = {
    "bench_heap": ([], "primary key only"),
    "bench_page": ([PAGE], "+ page index (user_id, id DESC)"),
    "thin": ([PAGE, UNREAD], "+ partial unread index (the inbox minimum)"),
    "bench_event": ([PAGE, UNREAD, EVENT], "+ plain (event_id, user_id) index"),
    "bench_unique": ([PAGE, UNREAD, UNIQUE], "+ unique (event_id, user_id) instead"),
    "bench_live": (
        [PAGE, UNREAD_LIVE, UNIQUE],
        "unread index as ours: (user_id, expires) WHERE archived IS NULL AND readed IS NULL",
    ),
    "bench_inbox": (
        [PAGE, UNREAD_LIVE, UNIQUE, INBOX],
        "+ inbox order (user_id, delivered DESC, id DESC, expires) WHERE archived IS NULL",
    ),
    "bench_unseen": (
        [PAGE, UNREAD_LIVE, UNIQUE, INBOX, UNSEEN],
        "+ unseen (user_id, expires) WHERE archived IS NULL AND seen IS NULL",
    ),
    "own": (
        [],
        "the package's table itself (the above + the open-group index ungrouped rows skip)",
    ),
}
OWN_TABLE = "notifications_notification"


def _table(name: str) -> str:
    return OWN_TABLE if name == "own" else f"bench_limit_{name}"


def create_tables() -> None:
    """The yardstick tables (``own`` is the package's table, created by migrate)."""
    with common.connect(common.OURS_DB) as conn:
        for name, (indexes, _) in TABLES.items():
            if name == "own":
                continue
            table = _table(name)
            conn.execute(f"DROP TABLE IF EXISTS {table}")
            conn.execute(f"CREATE TABLE {table} ({COLUMNS})")
            for index in indexes:
                conn.execute(index.format(t=table))


def limit(n: int, name: str = "thin") -> float:
    """Seconds of ``INSERT INTO <table> SELECT ... FROM auth_user`` of ``n`` rows, committed."""
    table = _table(name)
    with common.connect(common.OURS_DB) as conn:
        conn.execute(f"TRUNCATE {table} CASCADE")
        started = time.perf_counter()
        with conn.transaction():
            conn.execute(
                f"INSERT INTO {table} (user_id, event_id, delivered, count)"
                " SELECT id, 1, now(), 1 FROM auth_user WHERE id <= %s",
                [n],
            )
        seconds = time.perf_counter() - started
        conn.execute(f"TRUNCATE {table} CASCADE")
    return seconds


def setup(max_n: int, peer: bool = True) -> None:
    """Fresh databases with ``max_n`` users (both sides), and the yardstick tables."""
    common.recreate_database(common.OURS_DB)
    common.ours("setup", max_n)
    if peer:
        common.recreate_database(common.PEER_DB)
        common.peer("setup", max_n)
    create_tables()


def run(sizes: list[int], runs: int, peer_runs: dict[int, int], log: Any) -> dict[str, Any]:
    """Interleaved runs (ours cold+warm, peer, every limit, ours write only) for each size."""
    setup(max(sizes))
    rows = []
    for n in sizes:
        ours, peer, write = [], [], []
        limits: dict[str, list[float]] = {name: [] for name in TABLES}
        for i in range(runs):
            ours.append(_clean_run(n, log))
            if i < peer_runs.get(n, runs):
                peer.append(common.peer("fanout", n, timeout=1800))
            for name in TABLES:
                limits[name].append(limit(n, name))
            write.append(common.ours("fanout", n, BENCH_BUS="local"))
            cold, warm = ours[-1]["cold"]["seconds"], ours[-1]["warm"]["seconds"]
            log(
                f"fanout n={n:,} run {i + 1}/{runs}: ours cold {n / cold:,.0f}/s"
                f" warm {n / warm:,.0f}/s"
                + (f", peer {n / peer[-1]['seconds']:,.0f}/s" if i < len(peer) else "")
                + f", thin limit {n / limits['thin'][-1]:,.0f}/s"
                f", own-table limit {n / limits['own'][-1]:,.0f}/s"
            )
        rows.append(_row(n, ours, peer, limits, write))
    return {"rows": rows, "tables": {name: what for name, (_, what) in TABLES.items()}}


def fixed_cost(sizes: list[int], runs: int, calls: int, log: Any) -> list[dict[str, Any]]:
    """Per-call cost at small audiences: ``runs`` fresh processes, each cold then ``calls`` warm."""
    rows = []
    for n in sizes:
        results = [common.ours("fixed_cost", n, calls) for _ in range(runs)]
        if any(r["transport_errors"] for r in results):
            log(f"fixed_cost n={n}: the push (bus) failed; the figures are too low")
        row: dict[str, Any] = {"n": n, "runs": runs, "calls": calls}
        for mode in ("cold", "warm"):
            for key in ("seconds", "write_seconds", "push_seconds", "cpu_seconds"):
                row[f"{mode}_{key[:-8] or 'total'}_ms"] = (
                    common.summary([r[mode][key] for r in results])["median"] * 1000
                )
            row[f"{mode}_statements"] = results[-1][mode]["statements"]
        log(
            f"fixed_cost n={n:,}: cold {row['cold_total_ms']:.1f} ms "
            f"(write {row['cold_write_ms']:.1f}, push {row['cold_push_ms']:.1f}), "
            f"warm {row['warm_total_ms']:.2f} ms (write {row['warm_write_ms']:.2f}, "
            f"push {row['warm_push_ms']:.2f})"
        )
        rows.append(row)
    return rows


def _clean_run(n: int, log: Any, tries: int = 3) -> Any:
    """Our fan-out, run again when its pushes failed (it would look far too fast)."""
    for _ in range(tries):
        result = common.ours("fanout", n)
        if not result["transport_errors"]:
            return result
        log(f"fanout n={n}: the push (bus) failed ({result['cold']['seconds']:.2f} s); again")
    raise RuntimeError(f"fanout n={n}: the push (bus) failed {tries} times")


def _median(values: list[float]) -> float:
    return common.summary(values)["median"]


def _paired(numerators: list[float], denominators: list[float]) -> dict[str, float]:
    """Median (min, max) of run-by-run ratios (run i of one side with run i of the other)."""
    stats = common.summary([a / b for a, b in zip(numerators, denominators, strict=False)])
    return {"median": stats["median"], "min": stats["min"], "max": stats["max"]}


def _row(
    n: int, ours: list[Any], peer: list[Any], limits: dict[str, list[float]], write: list[Any]
) -> dict[str, Any]:
    row: dict[str, Any] = {"n": n, "runs": len(ours), "peer_runs": len(peer)}
    peer_s = [r["seconds"] for r in peer]
    for mode in ("cold", "warm"):
        seconds = [r[mode]["seconds"] for r in ours]
        row[f"{mode}_per_s"] = n / _median(seconds)
        row[f"{mode}_per_s_range"] = [n / max(seconds), n / min(seconds)]
        row[f"{mode}_write_ms"] = _median([r[mode]["write_seconds"] for r in ours]) * 1000
        row[f"{mode}_push_ms"] = _median([r[mode]["push_seconds"] for r in ours]) * 1000
        row[f"{mode}_statements"] = max(r[mode]["statements"] for r in ours)
        row[f"{mode}_vs_peer"] = _paired(peer_s, seconds) if peer else None
        # The limit over ours: 1.0 would be as fast as the bare INSERT ... SELECT.
        row[f"{mode}_vs_thin"] = _paired(limits["thin"], seconds)
        row[f"{mode}_vs_own"] = _paired(limits["own"], seconds)
    row["peak_rss_mib"] = _median([r["cold"]["peak_rss_growth_mib"] for r in ours])
    row["cpu_ms"] = _median([r["cold"]["cpu_seconds"] for r in ours]) * 1000
    write_s = [r["cold"]["seconds"] for r in write]
    row["write_only_per_s"] = n / _median(write_s)
    row["write_only_vs_thin"] = _paired(limits["thin"], write_s)
    row["peer_per_s"] = n / _median(peer_s) if peer else None
    row["peer_statements"] = max((r["statements"] for r in peer), default=None)
    row["peer_peak_rss_mib"] = _median([r["peak_rss_growth_mib"] for r in peer]) if peer else None
    row["limits_per_s"] = {name: n / _median(values) for name, values in limits.items()}
    # What each index adds per row, over the table without it (µs per row, medians).
    row["limits_us_per_row"] = {name: _median(values) / n * 1e6 for name, values in limits.items()}
    return row
