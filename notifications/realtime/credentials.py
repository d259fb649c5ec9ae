"""Sockets live no longer than their credentials: the check each hub runs.

When a session logs out, a user is deactivated or deleted, or a DRF token is deleted,
:mod:`notifications.realtime.revocation` publishes a
:class:`~notifications.realtime.messages.Revoke` and every worker closes the matching
sockets with 4401. Changes that send no signal (a session that expires, a row changed
in SQL) are caught by :func:`revoked_sockets`, which each hub runs every
``NOTIFICATIONS["REVALIDATE_INTERVAL"]`` seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import import_module
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model

if TYPE_CHECKING:
    from notifications.realtime.hub import Socket


def revoked_sockets(sockets: Sequence[Socket]) -> list[Socket]:
    """The sockets among ``sockets`` whose user, session or token is no longer valid."""
    user_model = get_user_model()
    users = user_model._default_manager.filter(pk__in={socket.user_id for socket in sockets})
    if any(field.name == "is_active" for field in user_model._meta.get_fields()):
        users = users.filter(is_active=True)
    valid_users = set(users.values_list("pk", flat=True))
    valid_tokens = _valid_tokens({s.token_key for s in sockets if s.token_key})
    store = import_module(settings.SESSION_ENGINE).SessionStore
    session_users: dict[str, str | None] = {}
    doomed = []
    for socket in sockets:
        if socket.user_id not in valid_users:
            doomed.append(socket)
        elif socket.token_key is not None:
            if valid_tokens.get(socket.token_key) != socket.user_id:
                doomed.append(socket)
        elif socket.session_key is not None:
            if socket.session_key not in session_users:
                session_users[socket.session_key] = store(socket.session_key).get(SESSION_KEY)
            if session_users[socket.session_key] != str(socket.user_id):
                doomed.append(socket)
    return doomed


def _valid_tokens(keys: set[str]) -> dict[str, Any]:
    if not keys or not apps.is_installed("rest_framework.authtoken"):
        return {}
    from rest_framework.authtoken.models import Token

    return dict(Token.objects.filter(key__in=keys).values_list("key", "user_id"))
