"""``manage.py run_channels``: queue the channel retries and email digests that are due."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from notifications.outbound.tasks import run_periodic


class Command(BaseCommand):
    help = (
        "Queue failed email / Web Push deliveries whose retry is due, and the email digests "
        "that are due. Run it every minute or so (cron, a systemd timer, your scheduler)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        counts = run_periodic()
        self.stdout.write(
            f"Queued {counts['retry_batches']} retry batches and "
            f"{counts['digest_batches']} digest batches."
        )
