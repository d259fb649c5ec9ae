"""Fixtures of the sending tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model


@pytest.fixture
def crowd_of(db: Any) -> Callable[[int], list[Any]]:
    """``crowd_of(n)`` bulk-creates ``n`` users and returns them in primary-key order."""
    user_model = get_user_model()
    login = user_model.USERNAME_FIELD
    suffix = "@example.com" if login == "email" else ""
    made = 0

    def make(n: int) -> list[Any]:
        nonlocal made
        names = [f"member{made + i}{suffix}" for i in range(n)]
        made += n
        user_model.objects.bulk_create([user_model(**{login: name}) for name in names])
        return list(user_model.objects.filter(**{f"{login}__in": names}).order_by("pk"))

    return make
