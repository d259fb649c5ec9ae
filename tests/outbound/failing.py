"""A mail backend that fails on demand, for the retry tests."""

from __future__ import annotations

import smtplib
from typing import Any

from django.core.mail.backends.locmem import EmailBackend

#: Addresses whose messages fail; the count of failures still to come for each.
failures: dict[str, int] = {}


class FlakyBackend(EmailBackend):
    """Django's locmem backend, except that ``failures[address]`` sends raise first."""

    def send_messages(self, messages: Any) -> int:
        for message in messages:
            address = message.to[0]
            if failures.get(address, 0) > 0:
                failures[address] -= 1
                raise smtplib.SMTPServerDisconnected(f"connection lost sending to {address}")
        return super().send_messages(messages)


class DownBackend(EmailBackend):
    """A backend whose connection cannot be opened."""

    def open(self) -> bool:
        raise ConnectionRefusedError("mail server down")
