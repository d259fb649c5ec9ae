"""What travels between processes on the bus, and its one encoding.

A leaf module: it imports nothing of the package, so every other part of the realtime
wing (the buses, the hub, the publisher) can depend on it without a cycle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

#: Bumped only for an incompatible change; a worker ignores messages of another version
#: (and of kinds it does not know), so old and new workers can run side by side. The
#: Redis routing script receives it as an argument, so it never goes out of step.
VERSION = 1

#: The kind of a message, as the envelope spells it (``"k"``).
FRAMES, NEW_ROWS, REVOKE = "f", "n", "r"


@dataclass(frozen=True)
class Frames:
    """Rendered frames, each for every socket of one user: ``[(user_id, text), ...]``."""

    frames: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class NewRows:
    """A pointer to the new notifications of an event, for a large audience.

    Each worker renders the ``new`` frames of its own connected recipients whose id is
    in ``users`` (inclusive); ``ids`` (inclusive), when set, limits the rows to those a
    background chunk created. ``seq`` is the marker of the frames (reserved at publish,
    before any worker reads the counts it renders).
    """

    event_id: int
    users: tuple[int, int]
    ids: tuple[int, int] | None = None
    seq: int | None = None


@dataclass(frozen=True)
class Revoke:
    """Close the sockets of a user, of a session or of a token, wherever they are."""

    user_id: int | None = None
    session_key: str | None = None
    token_key: str | None = None


Message = Frames | NewRows | Revoke


def envelope(kind: str, **fields: Any) -> str:
    """The compact JSON every bus carries: ``{"v": VERSION, "k": kind, ...fields}``."""
    return json.dumps({"v": VERSION, "k": kind, **fields}, separators=(",", ":"))


def encode_message(message: Message) -> str:
    """The message as compact JSON (the form every bus carries)."""
    if isinstance(message, Frames):
        return envelope(FRAMES, f=[part for frame in message.frames for part in frame])
    if isinstance(message, NewRows):
        extra: dict[str, Any] = {} if message.ids is None else {"i": list(message.ids)}
        if message.seq is not None:
            extra["s"] = message.seq
        return envelope(NEW_ROWS, e=message.event_id, u=list(message.users), **extra)
    return envelope(REVOKE, u=message.user_id, s=message.session_key, t=message.token_key)


def decode_message(raw: str | bytes) -> Message | None:
    """A message from its JSON; None for another version, an unknown kind or bad JSON."""
    try:
        body = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(body, dict) or body.get("v") != VERSION:
        return None
    kind = body.get("k")
    if kind == FRAMES:
        flat = body["f"]
        return Frames(tuple((int(flat[i]), flat[i + 1]) for i in range(0, len(flat), 2)))
    if kind == NEW_ROWS:
        ids = body.get("i")
        return NewRows(
            body["e"],
            (body["u"][0], body["u"][1]),
            None if ids is None else (ids[0], ids[1]),
            body.get("s"),
        )
    if kind == REVOKE:
        return Revoke(body.get("u"), body.get("s"), body.get("t"))
    return None
