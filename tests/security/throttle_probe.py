"""Send requests under :mod:`tests.security.throttle_settings`; print the statuses as JSON."""

from __future__ import annotations

import json
import os
from typing import Any


def main() -> dict[str, Any]:
    """Four list requests of ann, one of bob, one PATCH of ann, and the 429's Retry-After."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.security.throttle_settings"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from rest_framework.test import APIClient

    call_command("migrate", verbosity=0)
    model = get_user_model()

    def client(name: str) -> APIClient:
        login = f"{name}@example.com" if model.USERNAME_FIELD == "email" else name
        user = model.objects.create_user(**{model.USERNAME_FIELD: login}, password="x")
        api = APIClient()
        api.force_login(user)
        return api

    ann, bob = client("ann"), client("bob")
    ann_statuses = [ann.get("/api/notifications/").status_code for _ in range(4)]
    throttled = ann.get("/api/notifications/unread-count")
    return {
        "ann": ann_statuses,
        "ann_other_endpoint": throttled.status_code,
        "retry_after": throttled.get("Retry-After"),
        "detail": throttled.json().get("detail"),
        "bob": bob.get("/notifications").status_code,
    }


if __name__ == "__main__":
    print(json.dumps(main()))
