"""Sockets live no longer than their credentials.

When a session logs out, a user is deactivated or deleted, or a DRF token is deleted,
a :class:`~notifications.realtime.bus.base.Revoke` message goes over the bus and every worker
closes the matching sockets with 4401. Changes that send no signal (a session that
expires, a row changed in SQL) are caught by :func:`revoked_sockets`, which each hub
runs every ``NOTIFICATIONS["REVALIDATE_INTERVAL"]`` seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib import import_module
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model, user_logged_out
from django.db.models.signals import post_delete, post_save

from notifications.realtime.bus.base import Revoke
from notifications.realtime.publish import publish

if TYPE_CHECKING:
    from notifications.realtime.hub import Socket


def connect_signals() -> None:
    """Connect the receivers that revoke sockets (called from ``AppConfig.ready``)."""
    user_model = get_user_model()
    user_logged_out.connect(_logged_out, dispatch_uid="notifications.revoke.logout")
    post_save.connect(_user_saved, sender=user_model, dispatch_uid="notifications.revoke.save")
    post_delete.connect(_user_deleted, sender=user_model, dispatch_uid="notifications.revoke.del")
    if apps.is_installed("rest_framework.authtoken"):
        from rest_framework.authtoken.models import Token

        post_delete.connect(_token_deleted, sender=Token, dispatch_uid="notifications.revoke.token")


def _logged_out(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        publish(lambda: [Revoke(session_key=key)])
    elif user is not None and user.pk is not None:
        publish(lambda: [Revoke(user_id=user.pk)])


def _user_saved(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    if not created and getattr(instance, "is_active", True) is False:
        user_id = instance.pk
        publish(lambda: [Revoke(user_id=user_id)])


def _user_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    user_id = instance.pk
    publish(lambda: [Revoke(user_id=user_id)])


def _token_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    key = instance.key
    publish(lambda: [Revoke(token_key=key)])


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
