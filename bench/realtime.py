"""The delivery engine against 0.1's channel-layer path, in one run: ``python -m bench.realtime``.

Every figure comes from real processes on loopback: a uvicorn server, a client process
holding the sockets, a sender process. 0.1 is extracted from git (the last commit before
the engine) into ``bench/.v01`` and runs with the same settings, database and Redis.
Writes ``bench/results/realtime.json`` and ``bench/results/realtime.md``.

``--quick`` runs smaller audiences and a 30 s idle hold instead of 5 minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import common

ROOT = common.ROOT
V01_COMMIT = "61b9590"
V01_DIR = ROOT / "bench" / ".v01"
RESULTS = ROOT / "bench" / "results"
DB = os.environ.get("BENCH_DB_PREFIX", "") + "bench_realtime"


def log(message: str) -> None:
    print(f"[realtime {time.strftime('%H:%M:%S')}] {message}", flush=True)


def env_for(engine: str, **extra: str) -> dict[str, str]:
    path = [str(V01_DIR)] if engine == "v01" else []
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.realtime_settings",
        "BENCH_DB": f"{DB}_v01" if engine == "v01" else DB,  # 0.1: its own schema
        "BENCH_ENGINE": engine,
        "PYTHONPATH": os.pathsep.join([*path, str(ROOT)]),
        "BENCH_REDIS_PREFIX": f"bench-rt-{engine}-{os.getpid()}",
    }
    env.update(extra)
    return env


def sender(engine: str, *args: Any, **extra: str) -> Any:
    argv = [sys.executable, "-m", "bench.realtime_sender", *map(str, args)]
    return common.run_json(argv, env_for(engine, **extra), cwd_for(engine), timeout=1800)


def cwd_for(engine: str) -> Path:
    """Python puts the working directory first on ``sys.path``: 0.1 runs from its copy."""
    return V01_DIR if engine == "v01" else ROOT


def extract_v01() -> None:
    if (V01_DIR / "notifications").exists():
        return
    V01_DIR.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "archive", V01_COMMIT, "notifications"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(V01_DIR)], input=archive, check=True)


def prepare_database(users: int) -> None:
    import psycopg

    with psycopg.connect(**common.PG, user=common.PG_USER, dbname="postgres", autocommit=True) as c:
        for name in (DB, f"{DB}_v01"):
            if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                c.execute(f'CREATE DATABASE "{name}"')
    for engine in ("ours", "v01"):
        log(f"setup {engine}: {sender(engine, 'setup', users)}")


@contextmanager
def server(engine: str, workers: int = 1, **extra: str) -> Iterator[tuple[int, list[int]]]:
    """uvicorn serving the benchmark's sockets; yields its port and worker pids."""
    port = common.free_port()
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.ours.asgi:application",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
        "--ws-max-size",
        "16777216",
    ]
    logfile = RESULTS / f"server-{engine}.log.tmp"
    with logfile.open("ab") as out:
        process = subprocess.Popen(
            argv,
            env=env_for(engine, **extra),
            cwd=cwd_for(engine),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        common.wait_for_port(port, 60)
        time.sleep(1.0 if workers > 1 else 0.2)
        pids = _children(process.pid) if workers > 1 else [process.pid]
        yield port, pids
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in found.split()] or [pid]


def rss_mib(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


@contextmanager
def clients(
    port: int, n: int, hold: float | None = None, first: int = 1
) -> Iterator[dict[str, Any]]:
    """A client process holding sockets for users first..first+n-1; its record on exit."""
    out = Path(tempfile.mkstemp(suffix=".json")[1])
    argv = [sys.executable, "-m", "bench.realtime_client", str(port), str(first), str(n), str(out)]
    if hold is not None:
        argv.append(str(hold))
    process = subprocess.Popen(
        argv,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    record: dict[str, Any] = {"pid": process.pid}
    try:
        assert process.stdout is not None
        started = time.monotonic()
        if process.stdout.readline().strip() != "READY":
            raise RuntimeError("clients did not connect")
        record["connect_s"] = time.monotonic() - started
        yield record
        Path(f"{out}.stop").touch()
        process.wait(timeout=(hold or 0) + 300)
        record.update(json.loads(out.read_text()))
    finally:
        if process.poll() is None:
            process.kill()
        out.unlink(missing_ok=True)
        Path(f"{out}.stop").unlink(missing_ok=True)


def pct(values: list[float], q: float) -> float:
    return common.percentile(values, q) if values else float("nan")


def frames_scenario(engine: str, n: int, rounds: int, workers: int = 1) -> dict[str, Any]:
    """Throughput (rounds back to back) and latency (a round every 250 ms), n sockets."""
    with server(engine, workers) as (port, pids), clients(port, n) as record:
        time.sleep(1)
        cpu0 = sum(common.cpu_seconds(p) for p in pids)
        burst = sender(engine, "frames", n, rounds, 0)
        time.sleep(2)
        cpu1 = sum(common.cpu_seconds(p) for p in pids)
        paced = sender(engine, "frames", n, 8, 0.25)
        time.sleep(2)
    rows = [(at, json.loads(text)) for at, text in record["frames"]]
    burst_rows = [(at, f) for at, f in rows if f.get("t", 0) < paced["started"]]
    paced_rows = [(at, f) for at, f in rows if f.get("t", 0) >= paced["started"]]
    expected = n * rounds
    first_send = burst["started"]
    last = max((at for at, _ in burst_rows), default=first_send)
    latencies = [(at - f["t"]) * 1000 for at, f in paced_rows]
    return {
        "engine": engine,
        "workers": workers,
        "sockets": n,
        "frames": expected,
        "received": len(burst_rows),
        "paced_received": len(paced_rows),
        "paced_expected": n * 8,
        "frames_per_s": len(burst_rows) / max(last - first_send, 1e-9),
        "p50_ms": pct(latencies, 50),
        "p99_ms": pct(latencies, 99),
        "server_cpu_us_per_frame": (cpu1 - cpu0) * 1e6 / max(len(burst_rows), 1),
        "sender_cpu_us_per_frame": burst["cpu_us_per_frame"],
    }


def broadcast_scenario(engine: str, n: int) -> dict[str, Any]:
    with server(engine) as (port, pids):
        rss0 = rss_mib(pids)
        with clients(port, n) as record:
            rss1 = rss_mib(pids)
            time.sleep(2)
            sent = sender(engine, "broadcast", n)
            time.sleep(3 + n / 5000)
    arrivals = [
        (at - sent["commit"]) * 1000
        for at, text in record["frames"]
        if json.loads(text).get("notification", {}).get("event", {}).get("id") == sent["event"]
    ]
    return {
        "engine": engine,
        "sockets": n,
        "received": len(arrivals),
        "connect_s": record["connect_s"],
        "p50_ms": pct(arrivals, 50),
        "p99_ms": pct(arrivals, 99),
        "last_ms": max(arrivals, default=0),
        "sender_cpu_us_per_recipient": sent["cpu_us_per_recipient"],
        "send_wall_s": sent["wall_s"],
        "rss_kib_per_idle_socket": (rss1 - rss0) * 1024 / n,
    }


def cross_process_sqlite(count: int) -> dict[str, Any]:
    """The embedded default: SQLite and the database bus, a send from another process."""
    folder = Path(tempfile.mkdtemp())
    extra = {"BENCH_SQLITE": str(folder / "db.sqlite3")}
    sender("ours", "setup", 1, **extra)
    with server("ours", **extra) as (port, _), clients(port, 1) as record:
        time.sleep(1)
        sent = sender("ours", "singles", count, 0.02, **extra)
        time.sleep(2)
    commits = dict(sent["sent"])
    latencies = []
    for at, text in record["frames"]:
        event = json.loads(text).get("notification", {}).get("event", {}).get("id")
        if event in commits:
            latencies.append((at - commits[event]) * 1000)
    return {
        "sends": count,
        "received": len(latencies),
        "p50_ms": pct(latencies, 50),
        "p99_ms": pct(latencies, 99),
        "call_p50_ms": statistics.median(sent["durations_ms"]),
    }


def single_recipient(engine: str, count: int) -> dict[str, Any]:
    """A send to one connected user on PostgreSQL + Redis: call to return, commit to receipt."""
    with server(engine) as (port, _), clients(port, 1) as record:
        time.sleep(1)
        sent = sender(engine, "singles", count, 0.005)
        time.sleep(2)
    commits = dict(sent["sent"])
    latencies = [
        (at - commits[e]) * 1000
        for at, text in record["frames"]
        if (e := json.loads(text).get("notification", {}).get("event", {}).get("id")) in commits
    ]
    return {
        "engine": engine,
        "sends": count,
        "received": len(latencies),
        "call_p50_ms": statistics.median(sent["durations_ms"]),
        "call_p99_ms": pct(sent["durations_ms"], 99),
        "receipt_p50_ms": pct(latencies, 50),
        "receipt_p99_ms": pct(latencies, 99),
    }


def idle_scenario(engine: str, n: int, seconds: float) -> dict[str, Any]:
    with server(engine) as (port, _), clients(port, n, hold=seconds) as record:
        pass
    return {
        "engine": engine,
        "sockets": n,
        "held_s": seconds,
        "closed_by_server": record.get("closed_by_server"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    results = run_all(parser.parse_args().quick)
    (RESULTS / "realtime.json").write_text(json.dumps(results, indent=2))
    (RESULTS / "realtime.md").write_text(report(results))
    print(report(results))


def run_all(quick: bool) -> dict[str, Any]:
    """Every scenario, this version beside 0.1; the figures as a dict."""
    RESULTS.mkdir(exist_ok=True)
    extract_v01()
    broadcast_n = 2000 if quick else 10000
    prepare_database(broadcast_n)
    results: dict[str, Any] = {"quick": quick, "machine": f"{os.cpu_count()} cores"}
    for engine in ("ours", "v01"):
        log(f"frames: 1,000 sockets, {engine}")
        results[f"frames_{engine}"] = frames_scenario(engine, 1000, 5 if quick else 20)
        log(json.dumps(results[f"frames_{engine}"]))
    log("frames: two workers")
    results["frames_ours_2_workers"] = frames_scenario("ours", 1000, 5 if quick else 20, workers=2)
    for engine in ("ours", "v01"):
        log(f"broadcast: {broadcast_n} sockets, {engine}")
        results[f"broadcast_{engine}"] = broadcast_scenario(engine, broadcast_n)
        log(json.dumps(results[f"broadcast_{engine}"]))
        log(f"single recipient, {engine}")
        results[f"single_{engine}"] = single_recipient(engine, 200 if quick else 1000)
        log(json.dumps(results[f"single_{engine}"]))
    log("cross-process send on SQLite")
    results["sqlite_cross_process"] = cross_process_sqlite(100 if quick else 300)
    log(json.dumps(results["sqlite_cross_process"]))
    log("idle sockets")
    idle = float(os.environ.get("BENCH_IDLE_SECONDS", 30 if quick else 300))
    results["idle_ours"] = idle_scenario("ours", 1000, idle)
    return results


def _f(value: Any, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def report(r: dict[str, Any]) -> str:
    """The markdown section of the realtime figures."""
    fo, fv, f2 = r["frames_ours"], r["frames_v01"], r["frames_ours_2_workers"]
    bo, bv = r["broadcast_ours"], r["broadcast_v01"]
    so, sv = r["single_ours"], r["single_v01"]
    sq, idle = r["sqlite_cross_process"], r["idle_ours"]
    lines = [
        "## Live delivery (`python -m bench.realtime`" + (" --quick" if r["quick"] else "") + ")",
        "",
        "PostgreSQL + Redis on loopback, one uvicorn worker unless said, the clients in one "
        "process on the same 2 cores. 0.1 = the channel-layer path of the previous release, "
        "same run, same database and Redis.",
        "",
        "| scenario | this version | 0.1 | target |",
        "|---|---|---|---|",
        f"| 1,000 sockets, one frame per user, {fo['frames']:,} frames: frames/s | "
        f"{_f(fo['frames_per_s'])} | {_f(fv['frames_per_s'])} | >= 20,000 |",
        f"| same, paced (a round every 250 ms): commit-to-receipt p50 / p99 ms | "
        f"{_f(fo['p50_ms'], 1)} / {_f(fo['p99_ms'], 1)} | {_f(fv['p50_ms'], 1)} / "
        f"{_f(fv['p99_ms'], 1)} | p99 <= 50 |",
        f"| server CPU per frame, µs | {_f(fo['server_cpu_us_per_frame'], 1)} | "
        f"{_f(fv['server_cpu_us_per_frame'], 1)} | |",
        f"| frames received | {fo['received']:,}/{fo['frames']:,} | {fv['received']:,}/"
        f"{fv['frames']:,} | all |",
        f"| two workers, same load: frames/s | {_f(f2['frames_per_s'])} | | |",
        f"| broadcast to {bo['sockets']:,} sockets: received | {bo['received']:,} | "
        f"{bv['received']:,} | all |",
        f"| broadcast: commit-to-receipt p50 / p99 ms | {_f(bo['p50_ms'])} / {_f(bo['p99_ms'])} | "
        f"{_f(bv['p50_ms'])} / {_f(bv['p99_ms'])} | p99 <= 1,000 |",
        f"| broadcast: sender CPU per recipient, µs (whole `send_notification`) | "
        f"{_f(bo['sender_cpu_us_per_recipient'], 2)} | {_f(bv['sender_cpu_us_per_recipient'], 2)}"
        " | <= 5 |",
        f"| single-recipient send, call to return p50 / p99 ms | {_f(so['call_p50_ms'], 2)} / "
        f"{_f(so['call_p99_ms'], 2)} | {_f(sv['call_p50_ms'], 2)} / {_f(sv['call_p99_ms'], 2)} "
        "| p50 <= 3 |",
        f"| single-recipient: commit to receipt p50 / p99 ms | {_f(so['receipt_p50_ms'], 1)} / "
        f"{_f(so['receipt_p99_ms'], 1)} | {_f(sv['receipt_p50_ms'], 1)} / "
        f"{_f(sv['receipt_p99_ms'], 1)} | |",
        f"| memory per idle socket (server RSS), KiB | {_f(bo['rss_kib_per_idle_socket'], 1)} | "
        f"{_f(bv['rss_kib_per_idle_socket'], 1)} | |",
        f"| SQLite + database bus, send from another process: commit to receipt p50 / p99 ms "
        f"({sq['received']}/{sq['sends']} received) | {_f(sq['p50_ms'], 1)} / "
        f"{_f(sq['p99_ms'], 1)} | (0.1: never delivered) | p99 <= 250 |",
        f"| {idle['sockets']:,} idle sockets held {idle['held_s']:.0f} s: closed by the server | "
        f"{idle['closed_by_server']} | | 0 |",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
