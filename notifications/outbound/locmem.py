"""A delivery channel that records instead of sending: a test double, and the smallest example.

Configure it under its name and offer it on a type::

    NOTIFICATIONS = {"CHANNELS": {..., "locmem": "notifications.outbound.locmem.LocmemChannel"}}
    EVENTS = [{"name": "post_like", "title": "Likes", "channels": ["locmem"]}]

then assert on :data:`outbox`. Each user has one destination (``"user:<pk>"``)
unless :data:`destinations` lists others; :data:`permanent` and
:data:`transient` make destinations fail, so tests can exercise the package's
per-recipient outcomes and retries the way a real service would.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from notifications.outbound.base import BaseChannel, Outcome, Skipped, destinations_outcome
from notifications.payloads import rendered_for

if TYPE_CHECKING:
    from notifications.models import Notification


@dataclass(frozen=True)
class Message:
    """One notification that reached one destination."""

    notification_id: int
    user_id: Any
    destination: str
    title: str


#: Every message "delivered", oldest first.
outbox: list[Message] = []
#: user pk -> destinations (default: one, ``"user:<pk>"``).
destinations: dict[Any, list[str]] = {}
#: Destinations that always fail for good (like a 400 or a malformed address).
permanent: set[str] = set()
#: Destination -> how many attempts still fail transiently (like a 503).
transient: dict[str, int] = {}


def reset() -> None:
    """Empty the outbox and forget every destination and failure."""
    outbox.clear()
    destinations.clear()
    permanent.clear()
    transient.clear()


class LocmemChannel(BaseChannel):
    """Records each notification in :data:`outbox`, once per destination."""

    name = "locmem"

    def send(
        self, notifications: list[Notification], accepted: Mapping[int, frozenset[str]]
    ) -> dict[int, Outcome]:
        """Deliver to every destination that has not taken the notification yet."""
        outcomes: dict[int, Outcome] = {}
        for notification in notifications:
            done = accepted.get(notification.pk, frozenset())
            took: set[str] = set()
            errors: list[str] = []
            retry = False
            targets = destinations.get(notification.user_id, [f"user:{notification.user_id}"])
            for destination in (d for d in targets if d not in done):
                if destination in permanent:
                    errors.append(f"{destination}: refused")
                elif transient.get(destination, 0) > 0:
                    transient[destination] -= 1
                    errors.append(f"{destination}: unavailable")
                    retry = True
                else:
                    outbox.append(
                        Message(
                            notification.pk,
                            notification.user_id,
                            destination,
                            rendered_for(notification).title,
                        )
                    )
                    took.add(destination)
            outcome = destinations_outcome(took=took, earlier=done, errors=errors, retry=retry)
            outcomes[notification.pk] = outcome or Skipped("no destination")
        return outcomes
