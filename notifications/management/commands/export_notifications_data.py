"""``manage.py export_notifications_data USER``: what the package holds about a user, as JSON."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from notifications.management.commands.send_notification import find_users
from notifications.personal_data import export_user_data


class Command(BaseCommand):
    help = (
        "Print (or write to --output) everything the notifications package holds about "
        "one user as JSON: notifications, deliveries, filter, preferences, Web Push "
        "subscriptions, digests, authored events (GDPR article 15)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("user", help="the user's id or login (USERNAME_FIELD)")
        parser.add_argument("--output", "-o", help="write the JSON to this file")

    def handle(self, *args: Any, **options: Any) -> None:
        (user_id,) = find_users([options["user"]])
        user = get_user_model()._default_manager.get(pk=user_id)
        text = json.dumps(export_user_data(user), ensure_ascii=False, indent=2)
        if options["output"]:
            try:
                with open(options["output"], "w", encoding="utf-8") as output:
                    output.write(text + "\n")
            except OSError as error:
                raise CommandError(f"Cannot write {options['output']}: {error}") from error
            self.stderr.write(f"Wrote the data of user {user_id} to {options['output']}.")
        else:
            self.stdout.write(text)
