"""Deprecated: use :mod:`notifications.realtime.auth`. This alias is removed in 0.4."""

import warnings

from notifications.realtime.auth import (
    TokenAuthMiddleware,
    TokenAuthMiddlewareStack,
    token_from_scope,
)

warnings.warn(
    "notifications.auth is now notifications.realtime.auth; the old path will be removed in 0.4.",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["TokenAuthMiddleware", "TokenAuthMiddlewareStack", "token_from_scope"]
