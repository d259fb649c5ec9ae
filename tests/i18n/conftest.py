"""Fixtures of the translation tests: a type with a text template, users with languages.

``ann`` reads English, ``bob`` Polish, ``zed`` a language the project does not
offer (it falls back to ``LANGUAGE_CODE``, English); the Polish catalogue is
``tests/testapp/locale/pl``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from notifications.event_types import sync_event_types
from notifications.helpers import send_notification
from notifications.i18n import gettext_lazy, ngettext_lazy
from notifications.models import Event
from tests.ws.conftest import open_socket, sockets

__all__ = ["open_socket", "sockets"]  # the socket tests' fixtures, shared with tests/ws

#: The language of each test user (by login name without a domain).
LANGUAGES = {"ann": "en", "bob": "pl", "zed": "xx-unknown"}

LIKED = gettext_lazy("%(author)s liked your post")
LIKED_GROUPED = ngettext_lazy(
    "%(author)s and %(others)d other liked your post",
    "%(author)s and %(others)d others liked your post",
    "others",
)
MESSAGES = ngettext_lazy("You have %(n)d new message", "You have %(n)d new messages", "n")

EVENTS = [
    {"name": "post_like", "title": "Post liking", "description": None},
    {"name": "post_comment", "title": "Post commenting", "description": None},
    {
        "name": "liked",
        "title": "Likes",
        "description": None,
        "text": {
            "title": LIKED,
            "grouped": LIKED_GROUPED,
            "message": gettext_lazy("Post: %(post)s"),
        },
    },
]


def login_name(user: Any) -> str:
    """``ann`` for ``ann`` and ``ann@example.com`` (both legs' user models)."""
    return str(user.get_username()).split("@")[0]


def language_of(user: Any) -> str | None:
    """The project's hook (``NOTIFICATIONS["USER_LANGUAGE"]``)."""
    return LANGUAGES.get(login_name(user))


@pytest.fixture
def languages(settings: Any, db: Any) -> None:
    """The project names its users' languages and declares the ``liked`` template."""
    settings.LANGUAGE_CODE = "en"
    settings.EVENTS = EVENTS
    settings.NOTIFICATIONS = {
        **getattr(settings, "NOTIFICATIONS", {}),
        "USER_LANGUAGE": "tests.i18n.conftest.language_of",
        # Authors by login name on both legs (the services leg logs in by email).
        "AUTHOR_NAME": "tests.i18n.conftest.login_name",
    }
    sync_event_types()


@pytest.fixture
def zed(make_user: Callable[..., Any]) -> Any:
    return make_user("zed")


@pytest.fixture
def like(languages: None) -> Callable[..., Event]:
    """``like(users, author, post=...)``: a send of the ``liked`` template."""

    def send(users: Any, author: Any, post: str = "Cats", **kwargs: Any) -> Event:
        return send_notification(
            type="liked", users=users, author=author, params={"post": post}, **kwargs
        )

    return send
