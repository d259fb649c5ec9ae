"""Who wants which type on which channel: ``settings.EVENTS`` defaults plus the users' choices."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from django.utils import timezone

from notifications.exceptions import RequiredEventType, UnknownChannel, UnknownEventType
from notifications.models import ChannelPreference, EventType, ExcludedEventType
from notifications.outbound.config import IN_APP, ChannelOption, offered, type_channels
from notifications.outbound.registry import available_channels
from notifications.writes import write_transaction


def offered_channels(type_name: str) -> dict[str, ChannelOption]:
    """The switches ``type_name`` offers here: the inbox (in_app) and its available channels."""
    options = offered(type_name)
    if set(options) == {IN_APP}:  # the common case: no channel to look up
        return options
    here = available_channels()
    return {name: option for name, option in options.items() if name == IN_APP or name in here}


def users_with_channel(event_type: EventType, channel: str, user_ids: Collection[int]) -> set[int]:
    """Those of ``user_ids`` who get ``event_type`` on ``channel`` (one query)."""
    option = offered_channels(event_type.name).get(channel)
    if option is None:
        return set()
    if option.required:  # nobody can turn it off: stored choices do not count
        return set(user_ids)
    choices = dict(
        ChannelPreference.objects.filter(
            event_type=event_type, channel=channel, user_id__in=user_ids
        ).values_list("user_id", "enabled")
    )
    return {uid for uid in user_ids if choices.get(uid, option.default)}


def preferences(user: Any) -> dict[str, Any]:
    """The ``preferences`` endpoint's body for ``user`` (three queries)."""
    sendable = list(EventType.objects.sendable())
    excluded = set(
        ExcludedEventType.objects.filter(user_id=user.pk).values_list("event_type_id", flat=True)
    )
    choices = {
        (type_id, channel): enabled
        for type_id, channel, enabled in ChannelPreference.objects.filter(
            user_id=user.pk
        ).values_list("event_type_id", "channel", "enabled")
    }
    configured = type_channels()
    here = available_channels()
    types = []
    for event_type in sendable:
        states = {}
        required = []
        for name, option in configured.get(event_type.name, {}).items():
            if name != IN_APP and name not in here:
                continue
            if option.required:
                states[name] = True
                required.append(name)
            elif name == IN_APP:
                states[name] = event_type.pk not in excluded
            else:
                states[name] = choices.get((event_type.pk, name), option.default)
        types.append(
            {
                "name": event_type.name,
                "title": event_type.title,
                "channels": states,
                "required": required,
            }
        )
    return {"channels": [IN_APP, *here], "types": types}


def set_preferences(user: Any, changes: Mapping[str, Mapping[str, bool]]) -> None:
    """Apply ``{"type": {"channel": bool}}`` for ``user``; all or nothing.

    Raises :class:`UnknownEventType` for a type that is not sendable,
    :class:`UnknownChannel` for a channel the type does not offer and
    :class:`RequiredEventType` for turning off a required one, before writing.
    """
    sendable = {t.name: t for t in EventType.objects.sendable()}
    for type_name, states in changes.items():
        if type_name not in sendable:
            raise UnknownEventType(type_name)
        channels = offered_channels(type_name)
        for channel, enabled in states.items():
            if channel not in channels:
                raise UnknownChannel(type_name, channel)
            if channels[channel].required and not enabled:
                raise RequiredEventType(type_name, channel)
    with write_transaction():
        for type_name, states in changes.items():
            event_type = sendable[type_name]
            for channel, enabled in states.items():
                if channel == IN_APP:
                    _set_in_app(user, event_type, enabled)
                else:
                    ChannelPreference.objects.update_or_create(
                        user_id=user.pk,
                        event_type=event_type,
                        channel=channel,
                        defaults={"enabled": enabled, "updated": timezone.now()},
                    )


def _set_in_app(user: Any, event_type: EventType, enabled: bool) -> None:
    # The same data as the filter endpoint: the set of excluded types.
    mine = ExcludedEventType.objects.filter(user_id=user.pk, event_type=event_type)
    if enabled:
        mine.delete()
    else:
        ExcludedEventType.objects.bulk_create(
            [ExcludedEventType(user_id=user.pk, event_type=event_type)], ignore_conflicts=True
        )
