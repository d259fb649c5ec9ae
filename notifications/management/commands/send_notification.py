"""``manage.py send_notification``: send a notification from the shell, cron or a deploy script."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from notifications.exceptions import NotificationsError
from notifications.models import Event, EventType
from notifications.services import send_notification

MAX_ID = 2**63 - 1


def find_users(references: list[str]) -> list[int]:
    """The ids of the users named by ``references`` (ids, or values of USERNAME_FIELD).

    A reference made of digits is an id. Raises CommandError naming the
    references that match no user.
    """
    user_model = get_user_model()
    users = user_model._default_manager
    login_field = user_model.USERNAME_FIELD
    numbers = {ref for ref in references if ref.isascii() and ref.isdigit() and int(ref) <= MAX_ID}
    logins = [ref for ref in references if ref not in numbers]
    found_ids = set(users.filter(pk__in=[int(n) for n in numbers]).values_list("pk", flat=True))
    found_logins = dict(
        users.filter(**{f"{login_field}__in": logins}).values_list(login_field, "pk")
    )
    unknown = [
        ref
        for ref in references
        if (ref in numbers and int(ref) not in found_ids)
        or (ref not in numbers and ref not in found_logins)
    ]
    if unknown:
        raise CommandError(f"No such user: {', '.join(unknown)}.")
    ids = [int(ref) if ref in numbers else found_logins[ref] for ref in references]
    return list(dict.fromkeys(ids))


class Command(BaseCommand):
    help = (
        "Send a notification to some users (--users ID_OR_USERNAME ...) or to everyone (--all). "
        "Prints the event id and the number of notifications created."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--type", required=True, help="an event type name from settings.EVENTS")
        parser.add_argument("--title", required=True)
        parser.add_argument("--message", default=None)
        parser.add_argument(
            "--data", default=None, metavar="JSON", help="JSON data, e.g. '{\"post\": 7}'"
        )
        parser.add_argument(
            "--key",
            default=None,
            help="idempotency key: a second send with the same type and key sends nothing",
        )
        audience = parser.add_mutually_exclusive_group(required=True)
        audience.add_argument(
            "--users",
            nargs="+",
            metavar="ID_OR_USERNAME",
            help="recipients: user ids (digits) or usernames (the user model's USERNAME_FIELD)",
        )
        audience.add_argument("--all", action="store_true", help="send to every user")

    def handle(self, *args: Any, **options: Any) -> None:
        name: str = options["type"]
        event_type = EventType.objects.filter(name=name, is_active=True).first()
        if event_type is None:
            sendable = ", ".join(EventType.objects.sendable().values_list("name", flat=True))
            raise CommandError(
                f"Unknown event type {name!r}. Sendable types: {sendable or 'none'}."
            )
        data = None
        if options["data"] is not None:
            try:
                data = json.loads(options["data"])
            except json.JSONDecodeError as error:
                raise CommandError(f"--data is not valid JSON: {error}.") from error
        if options["all"]:
            users = None
        elif options["users"]:
            users = find_users(options["users"])
        else:
            raise CommandError("Give the recipients: --users ID_OR_USERNAME ... or --all.")
        key: str | None = options["key"]
        repeat = key is not None and Event.objects.filter(type=event_type, key=key).exists()
        try:
            event = send_notification(
                type=name,
                title=options["title"],
                data=data,
                users=users,
                message=options["message"],
                key=key,
            )
        except NotificationsError as error:
            raise CommandError(str(error)) from error
        if repeat:
            self.stdout.write(
                f"Event {event.pk} was already sent with key {key!r}: nothing new was sent."
            )
        else:
            self.stdout.write(
                f"Sent event {event.pk} ({name}): {event.notifications_count} notifications."
            )
