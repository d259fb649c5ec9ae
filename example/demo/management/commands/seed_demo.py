"""Create the demo users and a few notifications; print how to log in."""

import os
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from demo.posts import demo_post
from notifications import subscriptions
from notifications.helpers import send_notification
from notifications.models import Event

PASSWORD = "demo"
USERS = ["ann", "bob"]


class Command(BaseCommand):
    help = "Create demo users (password 'demo') and some notifications. Idempotent."

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        users = {}
        for name in USERS:
            # An address, so emails of the types that have them show in the server output.
            user, created = user_model.objects.get_or_create(
                username=name, defaults={"email": f"{name}@demo.example"}
            )
            if created:
                user.set_password(PASSWORD)
                user.save()
            users[name] = user
        admin, created = user_model.objects.get_or_create(
            username="admin", defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            admin.set_password(PASSWORD)
            admin.save()
        post = demo_post()
        if not Event.objects.exists():
            ann, bob = users["ann"], users["bob"]
            for user in (ann, bob):  # both follow the demo post
                subscriptions.subscribe(user, post)
            send_notification(
                "post_comment",
                "Bob commented on the demo post",
                None,
                subscriptions.subscribers(post, exclude=bob),
                message="Follow it, or mute this thread, from the inbox.",
                author=bob,
                target=post,
            )
            send_notification("post_like", "Bob liked your post", {"post": 1}, [ann], author=bob)
            send_notification(
                "post_comment", "Bob commented", {"post": 1}, [ann], message="Nice!", author=bob
            )
            send_notification("post_like", "Ann liked your post", {"post": 2}, [bob], author=ann)
            send_notification("mention", "Welcome to the demo", None, None)
        # `make demo` passes HOST and PORT through to uvicorn and to this command.
        host = os.environ.get("HOST", "127.0.0.1")
        port = os.environ.get("PORT", "8000")
        self.stdout.write(
            "Demo users: ann / demo, bob / demo (admin / demo for /admin/).\n"
            f"Open http://{host}:{port}/ and log in."
        )
