"""drf-spectacular annotations when it is installed (the ``openapi`` extra); no-ops otherwise."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

try:
    from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
except ImportError:  # pragma: no cover - exercised only without the extra

    def extend_schema(*args: Any, **kwargs: Any) -> Callable[[Any], Any]:  # type: ignore[misc]
        return lambda target: target

    class OpenApiResponse:  # type: ignore[no-redef]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            pass

    class OpenApiParameter(OpenApiResponse):  # type: ignore[no-redef]
        pass


__all__ = ["OpenApiParameter", "OpenApiResponse", "extend_schema"]
