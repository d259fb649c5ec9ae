"""The ``channels`` key of ``settings.EVENTS``: which channels each type offers, and how.

::

    EVENTS = [
        # in-app only (no "channels" key: the seed's EVENTS keep working)
        {"name": "post_like", "title": "Post liking"},
        # offered on every listed channel, on by default
        {"name": "post_comment", "title": "Comments", "channels": ["in_app", "email", "web_push"]},
        # a dict: True / False (on / off by default) or options
        {"name": "mention", "title": "Mentions", "channels": {
            "email": {"default": True, "digest": {"after_minutes": 30, "every_hours": 6}},
            "web_push": False,
        }},
    ]

``in_app`` is always offered and on by default (the filter is its switch).
A channel declared ``{"required": True}`` (and a type declared
``"required": True`` for ``in_app``) is on for everyone and cannot be turned
off (docs/watchers.md).

Two more keys shape *when* the channels go (docs/escalation.md)::

    {"name": "mention", "title": "Mentions", "channels": ["email", "web_push", "sms"],
     # steps: at once, then only while the condition holds ("unread" or "unseen")
     "escalation": [
         {"channel": "web_push"},
         {"channel": "email", "after_minutes": 10, "if": "unread"},
         {"channel": "sms", "after_minutes": 60, "if": "unseen"},
     ],
     # goes out during the users' quiet hours too
     "urgent": True}

A step names a channel the type offers, at most once; an offered channel that
is no step goes at once, as without ``escalation``. A delayed step's condition
defaults to ``"unread"``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from notifications.conf import reset_on_change
from notifications.event_types import SLUG, problems, raw_events

IN_APP = "in_app"
EMAIL = "email"


@dataclass(frozen=True)
class Digest:
    """Email what is still unread after ``after_minutes``, at most once every ``every_hours``."""

    after_minutes: float
    every_hours: float


@dataclass(frozen=True)
class ChannelOption:
    """One channel offered by a type: on by ``default``; ``digest`` for email only;
    ``required``: always on, no user can turn it off."""

    default: bool = True
    digest: Digest | None = None
    required: bool = False


def _option(type_name: str, channel: str, value: Any) -> ChannelOption | str:
    where = f"EVENTS[{type_name!r}]['channels'][{channel!r}]"
    if isinstance(value, bool):
        return ChannelOption(default=value)
    if not isinstance(value, dict) or set(value) - {"default", "digest", "required"}:
        return (
            f"{where} must be True, False or a dict with 'default', 'required' "
            "and (email) 'digest'."
        )
    default = value.get("default", True)
    if not isinstance(default, bool):
        return f"{where}['default'] must be True or False."
    required = value.get("required", False)
    if not isinstance(required, bool) or (required and not default):
        return f"{where}['required'] must be True or False (a required channel is on by default)."
    digest = value.get("digest")
    if digest is None:
        return ChannelOption(default=default, required=required)
    if channel != EMAIL:
        return f"{where}: only the email channel has digests."
    if not isinstance(digest, dict):
        digest = {}
    numbers = {key: digest.get(key) for key in ("after_minutes", "every_hours")}
    if set(digest) != set(numbers) or not all(
        isinstance(n, int | float) and not isinstance(n, bool) and n >= 0 for n in numbers.values()
    ):
        return f"{where}['digest'] must be {{'after_minutes': N, 'every_hours': M}}, N, M >= 0."
    return ChannelOption(default=default, digest=Digest(**numbers), required=required)  # type: ignore[arg-type]


#: The conditions an escalation step may wait on: the notification is still ...
CONDITIONS = ("unread", "unseen")


@dataclass(frozen=True)
class Step:
    """One escalation step: ``channel`` after ``after``, if the notification is ``condition``.

    ``condition`` is "" for a step that goes at once (``after`` zero).
    """

    channel: str
    after: datetime.timedelta
    condition: str


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0


def _step(name: str, index: int, raw: Any, offered: dict[str, ChannelOption]) -> Step | str:
    where = f"EVENTS[{name!r}]['escalation'][{index}]"
    if (
        not isinstance(raw, dict)
        or "channel" not in raw
        or set(raw)
        - {
            "channel",
            "after_minutes",
            "if",
        }
    ):
        return f"{where} must be a dict with 'channel', and optionally 'after_minutes' and 'if'."
    channel = raw["channel"]
    if channel == IN_APP:
        return f"{where}: in_app is no escalation step (the inbox row is written at once)."
    if channel not in offered:
        return (
            f"{where}: the channel {channel!r} is not offered by this type; "
            f"add it to EVENTS[{name!r}]['channels']."
        )
    if offered[channel].digest is not None:
        return f"{where}: {channel!r} goes out in digests for this type; it cannot be a step too."
    minutes = raw.get("after_minutes", 0)
    if not _number(minutes):
        return f"{where}['after_minutes'] must be a number >= 0, not {minutes!r}."
    after = datetime.timedelta(minutes=minutes)
    condition = raw.get("if", "unread" if after else "")
    if not after:
        if "if" in raw:
            return f"{where}: a step without 'after_minutes' goes at once; it takes no 'if'."
        return Step(channel, after, "")
    if condition not in CONDITIONS:
        return (
            f"{where}['if'] must be one of {', '.join(map(repr, CONDITIONS))}, not {condition!r}."
        )
    return Step(channel, after, condition)


def _escalation(entry: dict[str, Any], offered: dict[str, ChannelOption]) -> list[Step] | str:
    name = entry["name"]
    raw = entry.get("escalation", [])
    if not isinstance(raw, list | tuple):
        return f"EVENTS[{name!r}]['escalation'] must be a list of steps."
    steps: list[Step] = []
    for index, item in enumerate(raw):
        step = _step(name, index, item, offered)
        if isinstance(step, str):
            return step
        if any(other.channel == step.channel for other in steps):
            return f"EVENTS[{name!r}]['escalation']: the channel {step.channel!r} is a step twice."
        steps.append(step)
    urgent = entry.get("urgent", False)
    if not isinstance(urgent, bool):
        return f"EVENTS[{name!r}]['urgent'] must be True or False, not {urgent!r}."
    return steps


def _parse(entry: dict[str, Any]) -> dict[str, ChannelOption] | str:
    name = entry["name"]
    raw = entry.get("channels", [IN_APP])
    if isinstance(raw, list | tuple):
        raw = dict.fromkeys(raw, True)
    if not isinstance(raw, dict):
        return f"EVENTS[{name!r}]['channels'] must be a list of channel names or a dict."
    offered: dict[str, ChannelOption] = {
        IN_APP: ChannelOption(required=entry.get("required", False) is True)
    }
    for channel, value in raw.items():
        if not isinstance(channel, str) or not SLUG.match(channel):
            return f"EVENTS[{name!r}]['channels']: {channel!r} is not a channel name."
        if channel == IN_APP:
            if value is not True:
                return (
                    f"EVENTS[{name!r}]['channels']: in_app is always on (its switch is the filter;"
                    " declare the type 'required': True to keep it on)."
                )
            continue
        option = _option(name, channel, value)
        if isinstance(option, str):
            return option
        offered[channel] = option
    return offered


def channel_problems() -> list[str]:
    """What is wrong with the ``channels`` keys of ``settings.EVENTS`` (for the system checks)."""
    events = raw_events()
    if problems(events):
        return []  # check_events reports those
    return [found for entry in events if isinstance(found := _parse(entry), str)]


def escalation_problems() -> list[str]:
    """What is wrong with the ``escalation`` and ``urgent`` keys of ``settings.EVENTS``."""
    events = raw_events()
    if problems(events):
        return []
    found = []
    for entry in events:
        offered_here = _parse(entry)
        if isinstance(offered_here, str):
            continue  # channel_problems reports it
        steps = _escalation(entry, offered_here)
        if isinstance(steps, str):
            found.append(steps)
    return found


_parsed: dict[str, dict[str, ChannelOption]] | None = None
_plans: dict[str, tuple[list[Step], bool]] | None = None


def _type_plans() -> dict[str, tuple[list[Step], bool]]:
    """Each declared type's escalation steps and whether it is urgent; parsed once."""
    global _plans
    if _plans is None:
        plans: dict[str, tuple[list[Step], bool]] = {}
        events = raw_events()
        if not problems(events):
            for entry in events:
                offered_here = _parse(entry)
                steps = [] if isinstance(offered_here, str) else _escalation(entry, offered_here)
                valid = not isinstance(steps, str)
                plans[entry["name"]] = (
                    steps if not isinstance(steps, str) else [],
                    valid and entry.get("urgent", False) is True,
                )
        _plans = plans
    return _plans


def escalation(type_name: str) -> list[Step]:
    """The escalation steps of ``type_name`` (empty: every channel at once)."""
    return _type_plans().get(type_name, ([], False))[0]


def is_urgent(type_name: str) -> bool:
    """Whether ``type_name`` is declared ``urgent`` (it ignores quiet hours)."""
    return _type_plans().get(type_name, ([], False))[1]


def type_channels() -> dict[str, dict[str, ChannelOption]]:
    """Each declared type's offered channels (in_app first), in ``settings.EVENTS`` order.

    Entries with a malformed ``channels`` key offer in_app only (the checks report them).
    Parsed once, then kept until ``EVENTS`` changes.
    """
    global _parsed
    if _parsed is None:
        events = raw_events()
        result: dict[str, dict[str, ChannelOption]] = {}
        if not problems(events):
            for entry in events:
                parsed = _parse(entry)
                required = entry.get("required", False) is True
                in_app_only = {IN_APP: ChannelOption(required=required)}
                result[entry["name"]] = in_app_only if isinstance(parsed, str) else parsed
        _parsed = result
    return _parsed


@reset_on_change("EVENTS", "EVENT_TYPES")
def _events_changed() -> None:
    global _parsed, _plans
    _parsed = None
    _plans = None


def used_channels() -> set[str]:
    """The delivery channels some type of ``settings.EVENTS`` offers (the inbox is not one)."""
    return {name for options in type_channels().values() for name in options} - {IN_APP}


def offered(type_name: str) -> dict[str, ChannelOption]:
    """The channels ``type_name`` offers; in_app only for an unknown type."""
    return type_channels().get(type_name, {IN_APP: ChannelOption()})
