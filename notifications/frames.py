"""The ``new`` frames of freshly written notifications, rendered from the rows.

The one place frames of new rows are built, whoever asks: the sender for a small
audience (from the rows its INSERT returned), each worker's hub for a pointer (from
the rows it reads). Three queries whatever the number of rows: event, rows, counts.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from django.utils import translation

from notifications import i18n
from notifications.badges import badge_counts
from notifications.payloads import (
    EventPayload,
    encode,
    event_authors,
    event_payload,
    notification_payload,
    push_message,
    regrouped,
)

if TYPE_CHECKING:
    from notifications.models import Event


class NewRow(NamedTuple):
    """A new (or, for a grouped event, folded-into) notification, as the insert returns it."""

    pk: int
    user_id: int
    readed: Any
    #: The row's ``count``: how many events a grouped row folded in (1 for a fresh row).
    folded: int
    #: The stored authors of a grouped row (None: the event's).
    authors: Any


#: The model's columns behind each :class:`NewRow` field, in order.
NEW_ROW_COLUMNS = ("pk", "user_id", "readed", "count", "authors")


def render_new_rows(
    event_id: int,
    user_ids: Sequence[int] | None,
    ids: tuple[int, int] | None,
    seq: int | None = None,
) -> list[tuple[int, str]]:
    """The ``new`` frames of an event's notifications, for ``user_ids`` (all if None),
    marked ``seq``.

    Three queries whatever the number of rows: the event, the rows, the counts.
    """
    from notifications.models import Event

    event = Event.objects.select_related("type", "author").filter(pk=event_id).first()
    if event is None:
        return []
    return new_frames(event, new_rows(event_id, user_ids, ids), seq)


def new_rows(
    event_id: int,
    user_ids: Sequence[int] | None,
    ids: tuple[int, int] | None,
    using: str = "default",
) -> list[NewRow]:
    """The event's notifications as :class:`NewRow` tuples, by user."""
    from notifications.models import Notification

    found = Notification.objects.using(using).filter(event_id=event_id)
    if user_ids is not None:
        found = found.filter(user_id__in=user_ids)
    if ids is not None:
        found = found.filter(pk__gte=ids[0], pk__lte=ids[1])
    return [NewRow(*values) for values in found.order_by("user_id").values_list(*NEW_ROW_COLUMNS)]


def new_frames(
    event: Event, rows: Sequence[NewRow], seq: int | None = None
) -> list[tuple[int, str]]:
    """``(user_id, frame)`` for each new row of ``event``, with the users' counts and the
    marker ``seq`` (reserved before the counts are read: the counts are at least that new).

    For a grouped event a row with a count above 1 is one the event folded into: its
    frame says ``updated`` and carries its count and authors.
    """
    if not rows:
        return []
    authors = event_authors(event)
    counts = badge_counts([row.user_id for row in rows])
    languages: dict[int, str | None] = {}
    if event.text is not None:
        languages.update(user_languages([row.user_id for row in rows]))
    shared: dict[str | None, EventPayload] = {}
    for language in set(languages.values()) or {None}:
        # Once per language group, not per recipient: the rows share their language's payload.
        with _speaking(language):
            shared[language] = event_payload(event)
    frames = []
    for row in rows:
        frame = push_message(
            "new",
            **counts[row.user_id],
            seq=seq,
            notification=notification_payload(
                notification_id=row.pk,
                user_id=row.user_id,
                readed=row.readed,
                event=shared[languages.get(row.user_id)],
                authors=authors,
            ),
        )
        if event.group is not None:
            language = languages.get(row.user_id)
            with _speaking(language):
                frame = regrouped(frame, event.group, row.folded, row.authors)
        frames.append((row.user_id, encode(frame)))
    return frames


def user_languages(user_ids: Sequence[int]) -> dict[int, str]:
    """Each user's language (:func:`notifications.i18n.user_language`): one query when the
    project names its users' languages (``USER_LANGUAGE``), none otherwise."""
    if not i18n.uses_hook():
        default = i18n.supported_language(None)
        return dict.fromkeys(user_ids, default)
    from django.contrib.auth import get_user_model

    users = get_user_model()._default_manager.in_bulk(user_ids)
    return {user_id: i18n.user_language(users.get(user_id)) for user_id in user_ids}


def _speaking(language: str | None) -> contextlib.AbstractContextManager[Any]:
    """``language`` active for the block; None: leave the active one (literal text)."""
    if language is None:
        return contextlib.nullcontext()
    return translation.override(language, deactivate=False)
