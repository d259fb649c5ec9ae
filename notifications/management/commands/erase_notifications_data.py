"""``manage.py erase_notifications_data USER``: erase what the package holds about a user."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from notifications.management.commands.send_notification import find_users
from notifications.personal_data import erase_user_data


class Command(BaseCommand):
    help = (
        "Erase everything the notifications package holds about one user and close "
        "their open sockets (GDPR article 17). The user account itself is kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("user", help="the user's id or login (USERNAME_FIELD)")
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        (user_id,) = find_users([options["user"]])
        user = get_user_model()._default_manager.get(pk=user_id)
        if options["interactive"]:
            answer = input(
                f"Erase every notification, preference and subscription of {user} "
                f"(id {user_id})? This cannot be undone. Type 'yes' to continue: "
            )
            if answer != "yes":
                raise CommandError("Erasure cancelled.")
        erased = erase_user_data(user)
        summary = ", ".join(
            f"{count} {kind.replace('_', ' ')}" for kind, count in erased._asdict().items()
        )
        self.stdout.write(f"Erased for user {user_id}: {summary}.")
