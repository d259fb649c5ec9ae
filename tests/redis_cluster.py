"""A local Redis Cluster of private ``redis-server`` processes, for tests and the bench.

``redis-server --cluster-enabled yes`` per node on free loopback ports, then
``redis-cli --cluster create ... --cluster-yes``; nothing is persisted, every process is
killed on exit. The shared Redis on 6379 is never touched.
"""

from __future__ import annotations

import contextlib
import random
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import redis


def cluster_port() -> int:
    """A free port whose cluster-bus port (+10000) is free too (so below 55536)."""
    while True:
        port = random.randrange(20000, 30000)
        try:
            for candidate in (port, port + 10000):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", candidate))
        except OSError:
            continue
        return port


@dataclass
class LocalCluster:
    """The nodes of a running local cluster."""

    ports: list[int]
    workdir: Path
    processes: dict[int, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def urls(self) -> list[str]:
        return [f"redis://127.0.0.1:{port}/0" for port in self.ports]

    def client(self, port: int) -> redis.Redis:
        return redis.Redis(port=port, socket_connect_timeout=0.5, decode_responses=True)

    def start_node(self, port: int, node_timeout_ms: int) -> None:
        folder = self.workdir / str(port)
        folder.mkdir(parents=True, exist_ok=True)
        self.processes[port] = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
                "--cluster-node-timeout",
                str(node_timeout_ms),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: self.client(port).ping(), f"redis-server on {port}")

    def kill(self, port: int) -> None:
        """SIGKILL one node (no FIN to its replicas' cluster bus until the kernel sends it)."""
        process = self.processes.pop(port)
        process.kill()
        process.wait()

    def primary_of(self, key: str) -> int:
        """The port of the primary that owns ``key``'s slot now."""
        for port in self.ports:
            if port not in self.processes:
                continue
            with contextlib.suppress(redis.RedisError):
                slot = self.client(port).cluster("keyslot", key)
                for start, end, primary, *_ in self.client(port).cluster("slots"):
                    if start <= int(slot) <= end:
                        return int(primary[1])
        raise RuntimeError(f"no live node knows the owner of {key!r}")

    def healthy(self) -> bool:
        """Every live node says the cluster is ok and agrees which primaries are alive."""
        for port in self.processes:
            with contextlib.suppress(redis.RedisError):
                info = self.client(port).cluster("info")
                if info.get("cluster_state") != "ok":
                    return False
                continue
            return False
        return True


def wait_for(probe: object, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if probe():  # type: ignore[operator]
                return
        except (redis.RedisError, OSError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} not ready after {timeout} s")
        time.sleep(0.05)


@contextlib.contextmanager
def local_cluster(
    workdir: Path, primaries: int = 3, replicas: int = 0, node_timeout_ms: int = 1000
) -> Iterator[LocalCluster]:
    """Start ``primaries * (1 + replicas)`` nodes and join them into one cluster."""
    cluster = LocalCluster([cluster_port() for _ in range(primaries * (1 + replicas))], workdir)
    try:
        for port in cluster.ports:
            cluster.start_node(port, node_timeout_ms)
        subprocess.run(
            [
                "redis-cli",
                "--cluster",
                "create",
                *[f"127.0.0.1:{port}" for port in cluster.ports],
                "--cluster-replicas",
                str(replicas),
                "--cluster-yes",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        wait_for(cluster.healthy, "the cluster")
        if replicas:
            # Every replica has synced with its primary (else a failover cannot promote it).
            wait_for(
                lambda: all(
                    cluster.client(port).info("replication").get("master_link_status", "up") == "up"
                    for port in cluster.ports
                ),
                "the replicas",
            )
        yield cluster
    finally:
        for process in cluster.processes.values():
            process.kill()
        for process in cluster.processes.values():
            process.wait()


@dataclass
class LocalSentinel:
    """A primary watched by one sentinel (service ``mymaster``)."""

    primary: int
    sentinel: int
    processes: list[subprocess.Popen[bytes]]

    @property
    def urls(self) -> list[str]:
        return [f"redis://127.0.0.1:{self.sentinel}"]


@contextlib.contextmanager
def local_sentinel(workdir: Path, service: str = "mymaster") -> Iterator[LocalSentinel]:
    """A private primary and a sentinel that watches it, on free loopback ports."""
    primary, sentinel = cluster_port(), cluster_port()
    config = workdir / "sentinel.conf"
    config.write_text(
        f"port {sentinel}\nbind 127.0.0.1\ndir {workdir}\n"
        f"sentinel monitor {service} 127.0.0.1 {primary} 1\n"
        f"sentinel down-after-milliseconds {service} 1000\n"
        f"sentinel failover-timeout {service} 5000\n"
    )
    processes = [
        subprocess.Popen(
            ["redis-server", "--port", str(primary), "--bind", "127.0.0.1", "--save", ""],
            stdout=subprocess.DEVNULL,
        ),
        subprocess.Popen(["redis-server", str(config), "--sentinel"], stdout=subprocess.DEVNULL),
    ]
    try:
        watcher = redis.Redis(port=sentinel, socket_connect_timeout=0.5)
        wait_for(lambda: watcher.sentinel_get_master_addr_by_name(service), "the sentinel")
        yield LocalSentinel(primary, sentinel, processes)
    finally:
        for process in processes:
            process.kill()
            process.wait()
