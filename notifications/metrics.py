"""Prometheus metrics of the engine: the one place that counts, behind small hooks.

The engine calls the hooks below (``socket_opened()``, ``bus_published(...)``, ...);
with ``pip install 'django-rest-notifications[metrics]'`` (prometheus-client) they
update the metrics listed in :data:`NAMES`, without it every hook is a no-op.
Expose them with :func:`notifications.ops.metrics_view` (docs/production.md).

Several worker processes: set ``PROMETHEUS_MULTIPROC_DIR`` to an empty directory
before the workers start (prometheus-client's multiprocess mode); the view then sums
the files of every process. Gauges of that mode use ``livesum`` (sockets) and
``livemin`` (bus connected: 0 as soon as one worker is cut off).
"""

from __future__ import annotations

import os
from typing import Any

prometheus_client: Any
try:
    import prometheus_client
except ImportError:  # the extra is not installed: every hook does nothing
    prometheus_client = None

#: Every metric of the package (all prefixed ``notifications_``).
NAMES = (
    "notifications_open_sockets",
    "notifications_frames_sent_total",
    "notifications_frames_dropped_total",
    "notifications_bus_messages_published_total",
    "notifications_bus_publish_failures_total",
    "notifications_bus_publish_seconds",
    "notifications_bus_messages_received_total",
    "notifications_bus_lag_seconds",
    "notifications_bus_connected",
    "notifications_bus_reconnects_total",
    "notifications_fanout_rows_total",
    "notifications_fanout_seconds",
    "notifications_tasks_total",
    "notifications_channel_deliveries_total",
)

ENABLED = prometheus_client is not None

if prometheus_client is not None:
    from prometheus_client import Counter, Gauge, Histogram

    OPEN_SOCKETS = Gauge(
        "notifications_open_sockets",
        "Notification sockets open on this worker.",
        multiprocess_mode="livesum",
    )
    FRAMES_SENT = Counter("notifications_frames_sent", "Frames written to sockets.")
    FRAMES_DROPPED = Counter(
        "notifications_frames_dropped",
        "Frames not written, by reason (too_slow: the socket fell behind and was closed "
        "with 4429; closed: the socket was already closing).",
        ["reason"],
    )
    PUBLISHED = Counter(
        "notifications_bus_messages_published", "Messages handed to the bus.", ["bus"]
    )
    PUBLISH_FAILURES = Counter(
        "notifications_bus_publish_failures",
        "Publishes the bus refused (the rows are saved; sockets catch up over REST).",
        ["bus"],
    )
    PUBLISH_SECONDS = Histogram(
        "notifications_bus_publish_seconds",
        "Time to hand one batch of messages to the bus.",
        ["bus"],
        buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    )
    RECEIVED = Counter(
        "notifications_bus_messages_received",
        "Messages a worker received from the bus, by kind.",
        ["kind"],
    )
    LAG_SECONDS = Histogram(
        "notifications_bus_lag_seconds",
        "From publish (sender's clock) to receipt by a worker.",
        buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    )
    CONNECTED = Gauge(
        "notifications_bus_connected",
        "1 while this worker's bus listener is connected.",
        multiprocess_mode="livemin",
    )
    RECONNECTS = Counter(
        "notifications_bus_reconnects", "Times a worker lost its bus (and began reconnecting)."
    )
    FANOUT_ROWS = Counter(
        "notifications_fanout_rows", "Notification rows written by fan-outs.", ["path"]
    )
    FANOUT_SECONDS = Histogram(
        "notifications_fanout_seconds",
        "Duration of one fan-out (inline: the whole send; task: one chunk).",
        ["path"],
        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
    )
    TASKS = Counter(
        "notifications_tasks",
        "Background tasks of the package run, by task and outcome.",
        ["task", "outcome"],
    )
    DELIVERIES = Counter(
        "notifications_channel_deliveries",
        "Channel deliveries (email, Web Push, ...) by channel and final state.",
        ["channel", "state"],
    )


def socket_opened() -> None:
    if ENABLED:
        OPEN_SOCKETS.inc()


def socket_closed() -> None:
    if ENABLED:
        OPEN_SOCKETS.dec()


def frames_sent(count: int = 1) -> None:
    if ENABLED:
        FRAMES_SENT.inc(count)


def frames_dropped(reason: str, count: int = 1) -> None:
    if ENABLED and count:
        FRAMES_DROPPED.labels(reason).inc(count)


def bus_published(bus: str, messages: int, seconds: float) -> None:
    if ENABLED:
        PUBLISHED.labels(bus).inc(messages)
        PUBLISH_SECONDS.labels(bus).observe(seconds)


def bus_publish_failed(bus: str) -> None:
    if ENABLED:
        PUBLISH_FAILURES.labels(bus).inc()


def bus_received(kind: str) -> None:
    if ENABLED:
        RECEIVED.labels(kind).inc()


def bus_lag(seconds: float) -> None:
    if ENABLED:
        LAG_SECONDS.observe(max(seconds, 0.0))


def bus_connected(connected: bool) -> None:
    if ENABLED:
        CONNECTED.set(1 if connected else 0)


def bus_reconnect() -> None:
    if ENABLED:
        RECONNECTS.inc()


def fanned_out(path: str, rows: int, seconds: float) -> None:
    if ENABLED:
        FANOUT_ROWS.labels(path).inc(rows)
        FANOUT_SECONDS.labels(path).observe(seconds)


def task_ran(task: str, outcome: str) -> None:
    if ENABLED:
        TASKS.labels(task, outcome).inc()


def delivery_finished(channel: str, state: str) -> None:
    if ENABLED:
        DELIVERIES.labels(channel, state).inc()


def connect_signals() -> None:
    """Count channel deliveries from the package's delivery signals (AppConfig.ready)."""
    if not ENABLED:
        return
    from notifications import signals

    for signal, state in (
        (signals.delivery_sent, "sent"),
        (signals.delivery_skipped, "skipped"),
        (signals.delivery_failed, "failed"),
    ):
        signal.connect(_delivery_receiver(state), weak=False, dispatch_uid=f"metrics-{state}")


def _delivery_receiver(state: str) -> Any:
    def receiver(sender: Any, *, channel: str, final: bool = True, **kwargs: Any) -> None:
        delivery_finished(channel, state if final else "retrying")

    return receiver


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus's text format, and its content type.

    Raises ImportError (naming the extra) without prometheus-client. In multiprocess
    mode (``PROMETHEUS_MULTIPROC_DIR`` set) every process's metrics are summed.
    """
    if prometheus_client is None:
        raise ImportError(
            "Metrics need prometheus-client: pip install 'django-rest-notifications[metrics]'."
        )
    registry: Any = prometheus_client.REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = prometheus_client.CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return prometheus_client.generate_latest(registry), prometheus_client.CONTENT_TYPE_LATEST
