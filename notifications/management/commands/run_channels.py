"""``manage.py run_channels``: queue the channel retries and email digests that are due."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from notifications.outbound.tasks import queue_due_steps, run_periodic
from notifications.snoozing import queue_due


class Command(BaseCommand):
    help = (
        "Queue failed email / Web Push deliveries whose retry is due, the escalation steps "
        "and quiet-hours holds that are due, the email digests that are due, and the return "
        "of snoozed notifications. Run it every minute or so (cron, a systemd timer, your "
        "scheduler), or keep it running with --loop (development)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--loop",
            action="store_true",
            help="run again every --interval seconds until interrupted (Ctrl+C)",
        )
        parser.add_argument(
            "--interval", type=float, default=60.0, help="seconds between two runs (default 60)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interval: float = options["interval"]
        if interval <= 0:
            raise CommandError("--interval must be a number of seconds > 0.")
        try:
            while True:
                self.run_once()
                if not options["loop"]:
                    return
                close_old_connections()  # a long-lived process: no stale connection
                time.sleep(interval)
        except KeyboardInterrupt:
            self.stdout.write("Stopped.")

    def run_once(self) -> None:
        counts = run_periodic()
        steps = queue_due_steps()
        snoozed = queue_due()
        self.stdout.write(
            f"Queued {counts['retry_batches']} retry batches and "
            f"{counts['digest_batches']} digest batches. Queued {steps} escalation step runs "
            f"and {snoozed} snooze returns.",
        )
        self.stdout.flush()
