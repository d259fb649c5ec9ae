"""How pushes leave the process: the transport named in ``NOTIFICATIONS["TRANSPORT"]``."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from notifications.conf import notifications_settings
from notifications.exceptions import TransportError
from notifications.transports.base import BaseTransport, Push

__all__ = ["BaseTransport", "Push", "deliver", "get_transport", "reset_transport"]

logger = logging.getLogger("notifications")

_transport: BaseTransport | None = None


def get_transport() -> BaseTransport:
    """The process's transport, built on first use."""
    global _transport
    if _transport is None:
        _transport = import_string(notifications_settings.TRANSPORT)()
    return _transport


def reset_transport() -> None:
    """Forget the transport (called when the setting changes)."""
    global _transport
    _transport = None


@receiver(setting_changed)
def _reset_on_change(*, setting: str, **kwargs: Any) -> None:
    if setting == "NOTIFICATIONS":
        reset_transport()


def deliver(batches: Iterable[Sequence[Push]]) -> None:
    """Send batches of pushes; on a transport failure log once and stop.

    Called after commit: the rows are saved whatever happens here, and clients
    that missed a push catch up through the REST list, so nothing is raised.
    """
    transport = get_transport()
    try:
        for batch in batches:  # building a batch may ask the transport who is online
            transport.send(batch)
    except TransportError:
        logger.exception(
            "Push transport failed; the notifications are saved and clients will "
            "catch up through the REST API."
        )
