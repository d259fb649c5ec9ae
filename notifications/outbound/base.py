"""The seam every delivery channel implements: :class:`BaseChannel`."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from notifications.models import Notification


def installed(*modules: str) -> bool:
    """Whether every module is importable (an extra is installed), looked up once, not imported.

    ``google.oauth2`` with no ``google`` package at all is False, not an error
    (``importlib.util.find_spec`` of a submodule imports its parent).
    """
    return all(_importable(module) for module in modules)


def _importable(module: str) -> bool:
    if module not in _IMPORTABLE:
        try:
            _IMPORTABLE[module] = importlib.util.find_spec(module) is not None
        except ModuleNotFoundError:
            _IMPORTABLE[module] = False
    return _IMPORTABLE[module]


_IMPORTABLE: dict[str, bool] = {}


@dataclass(frozen=True)
class Sent:
    """The channel handed the notification over (to the mail backend, to the push service)."""


@dataclass(frozen=True)
class Skipped:
    """Nothing was sent and nothing will be retried, because of ``reason``."""

    reason: str


@dataclass(frozen=True)
class Failed:
    """Sending failed with ``error``; retried with backoff while ``retry`` and attempts remain.

    ``retry=False`` marks a permanent error (a 4xx, a refused URL, a malformed
    address): final at once. ``accepted`` names the destinations (for Web Push,
    subscription ids as strings) that took the notification in this attempt: a
    retry is not sent to them again.
    """

    error: str
    retry: bool = True
    accepted: frozenset[str] = frozenset()


Outcome = Sent | Skipped | Failed


def destinations_outcome(
    *, took: set[str], earlier: frozenset[str], errors: list[str], retry: bool
) -> Outcome | None:
    """The outcome of one notification sent to several destinations (devices, subscriptions).

    ``took``: the destinations that accepted it now; ``earlier``: in an earlier
    attempt; ``errors``: one line per destination that failed, ``retry`` when one
    of them failed transiently. Failed (remembering ``took``) while a transient
    failure remains, or when every destination failed for good; Sent when one
    took it; None when there was nowhere to send (the caller says why it skipped).
    """
    if errors and (retry or not (took or earlier)):
        return Failed("; ".join(errors), retry=retry, accepted=frozenset(took))
    if took or earlier:
        return Sent()
    return None


class BaseChannel:
    """One way a notification reaches its user besides the in-app inbox (which is no channel).

    Subclasses set :attr:`name` and implement :meth:`send`. The package does the
    rest, which subclasses should not redo: it runs :meth:`send` only from the
    task queue, after the sending transaction committed; it skips users who
    turned the channel off for the type and notifications read meanwhile; it
    claims one :class:`~notifications.models.Delivery` row per (notification,
    channel) before calling :meth:`send`, so a notification is never passed
    twice; it records each outcome, retries :class:`Failed` ones with backoff
    and sends the ``delivery_*`` signals.

    Override :meth:`is_available` when the channel needs configuration or an
    optional package.
    """

    #: The key in ``NOTIFICATIONS["CHANNELS"]``, ``settings.EVENTS`` and preferences.
    name: ClassVar[str] = ""

    def is_available(self) -> bool:
        """Whether the channel can send in this project (it is hidden from users if not)."""
        return True

    def send(
        self, notifications: list[Notification], accepted: Mapping[int, frozenset[str]]
    ) -> dict[int, Outcome]:
        """Send each notification (``event``, ``event.type`` and ``user`` are loaded).

        ``accepted`` maps a notification id to the destinations that took it in an
        earlier attempt (see :attr:`Failed.accepted`); never send there again.
        Returns an :data:`Outcome` per notification id, for every id passed.
        One recipient's failure must come back as :class:`Failed`, not raise;
        an exception is recorded as a failure of the whole batch.
        """
        raise NotImplementedError

    def send_digests(self, digests: Mapping[Any, list[Notification]]) -> dict[Any, Outcome]:
        """Send one message per recipient covering its notifications (newest first).

        ``digests`` maps a user id to that user's notifications; returns an
        :data:`Outcome` per user id. Only channels that a type can offer digests
        on implement it (email); the others raise ``NotImplementedError``.
        """
        raise NotImplementedError(f"The {self.name} channel has no digests.")
