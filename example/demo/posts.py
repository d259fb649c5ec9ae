"""The demo's one followable object: a "post" (an ``auth.Group``, so the demo needs no model).

A real project points ``NOTIFICATIONS["SUBSCRIBE_PERMISSION"]`` at its own rule
(e.g. "posts the user can read"); here anyone may follow or mute the demo post.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group

POST_NAME = "Demo post: Welcome to the demo"


def demo_post() -> Group:
    """The demo post (created on first use)."""
    post, _ = Group.objects.get_or_create(name=POST_NAME)
    return post


def may_follow(user: Any, obj: Any) -> bool:
    """``SUBSCRIBE_PERMISSION``: the demo post only."""
    return isinstance(obj, Group) and obj.name == POST_NAME
