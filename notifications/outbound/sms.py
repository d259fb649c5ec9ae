"""SMS through a provider seam (:class:`BaseSMSProvider`; Twilio first).

The recipient's number comes from ``NOTIFICATIONS["SMS_PHONE_NUMBER"]``, the
dotted path of ``fn(user) -> E.164 number or None`` (imported once; a path
that does not import is ``notifications.E006`` at check time). The text is the
``notifications/sms/<type>.txt`` template (else ``default.txt``), cut to
``SMS_MAX_SEGMENTS`` segments (:func:`fit`): 160 GSM-7 characters for one,
153 per segment beyond (70 / 67 when a character needs UCS-2), ending in an
ellipsis; an SMS is never split by us into separate messages.

Opt-out: the user's switch in the preferences, and the provider's own
(Twilio's 21610, the recipient texted STOP): a permanent skip.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from notifications.conf import notifications_settings
from notifications.outbound.base import BaseChannel, Failed, Outcome, Skipped
from notifications.outbound.texts import render_text

if TYPE_CHECKING:
    from notifications.models import Notification

E164 = re.compile(r"\+[1-9][0-9]{6,14}")
GSM7 = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = "^{}\\[~]|€\f"


def septets(text: str) -> int | None:
    """The GSM-7 length of ``text`` (extension characters count two); None if it needs UCS-2."""
    total = 0
    for char in text:
        if char in GSM7:
            total += 1
        elif char in GSM7_EXTENDED:
            total += 2
        else:
            return None
    return total


def fit(text: str, segments: int) -> str:
    """``text`` cut to ``segments`` SMS segments, ending in an ellipsis when cut."""
    gsm = septets(text) is not None
    single, each = (160, 153) if gsm else (70, 67)
    limit = single if segments == 1 else each * segments

    def size(char: str) -> int:
        if gsm:
            return 2 if char in GSM7_EXTENDED else 1
        return 2 if ord(char) > 0xFFFF else 1  # UTF-16 code units

    if sum(map(size, text)) <= limit:
        return text
    ellipsis = "..." if gsm else "…"
    budget = limit - sum(map(size, ellipsis))
    kept: list[str] = []
    for char in text:
        budget -= size(char)
        if budget < 0:
            break
        kept.append(char)
    return "".join(kept).rstrip() + ellipsis


class BaseSMSProvider:
    """Sends one text to one number; subclasses implement :meth:`send`.

    Return :class:`~notifications.outbound.base.Sent`, ``Skipped`` (the
    recipient opted out at the provider) or ``Failed`` (``retry`` when
    transient); never raise for one message's failure.
    """

    def is_available(self) -> bool:
        """Whether the provider is configured (credentials, the library)."""
        return True

    def send(self, to: str, body: str) -> Outcome:
        raise NotImplementedError


def provider() -> BaseSMSProvider:
    """The provider of ``NOTIFICATIONS["SMS_PROVIDER"]``, built on each use (cheap)."""
    from django.utils.module_loading import import_string

    built = import_string(notifications_settings.SMS_PROVIDER)()
    if not isinstance(built, BaseSMSProvider):
        raise TypeError("NOTIFICATIONS['SMS_PROVIDER'] must name a BaseSMSProvider subclass")
    return built


def phone_number(user: Any) -> str | None:
    """The user's number from ``SMS_PHONE_NUMBER``; None when there is no hook or no number."""
    hook = notifications_settings.imported("SMS_PHONE_NUMBER")
    number = hook(user) if hook is not None else None
    return str(number) if number else None


class SMSChannel(BaseChannel):
    """One text message per notification to the user's phone number."""

    name = "sms"

    def is_available(self) -> bool:
        """On when a phone number hook is set and the provider is configured (E042 if broken)."""
        if notifications_settings.SMS_PHONE_NUMBER is None:
            return False
        try:
            return provider().is_available()
        except (ImportError, TypeError):
            return False

    def send(
        self, notifications: list[Notification], accepted: Mapping[int, frozenset[str]]
    ) -> dict[int, Outcome]:
        """Text each notification; a missing number is skipped, a malformed one final."""
        sender = provider()
        segments = notifications_settings.SMS_MAX_SEGMENTS
        outcomes: dict[int, Outcome] = {}
        for notification in notifications:
            number = phone_number(notification.user)
            if number is None:
                outcomes[notification.pk] = Skipped("no phone number")
            elif not E164.fullmatch(number):
                outcomes[notification.pk] = Failed("not an E.164 phone number", retry=False)
            else:
                body = fit(render_text(self.name, notification), segments)
                outcomes[notification.pk] = sender.send(number, body)
        return outcomes
