"""Revoke sockets when their credentials end: logout, deactivation, deletion, token deletion.

Each receiver publishes a :class:`~notifications.realtime.messages.Revoke` after commit;
every worker closes the matching sockets with 4401. What sends no signal is caught by
:func:`notifications.realtime.credentials.revoked_sockets`.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model, user_logged_out
from django.db.models.signals import post_delete, post_save

from notifications.realtime.messages import Revoke
from notifications.realtime.publish import publish


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
