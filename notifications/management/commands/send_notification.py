"""``manage.py send_notification``: send a notification from the shell, cron or a deploy script."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import ngettext

from notifications.event_types import sendable_type
from notifications.exceptions import InvalidNotification, NotificationsError
from notifications.forms import MESSAGES, unstorable
from notifications.models import MAX_ID, EventType
from notifications.services import send_notification
from notifications.validation import is_storable

#: The send arguments this command takes as options of the same name.
OPTIONS = {"type", "title", "message", "data", "key", "url"}

#: References looked up per query (databases bound the parameters of one statement).
LOOKUP_BATCH = 1000


def find_users(references: list[str]) -> list[int]:
    """The ids of the users named by ``references`` (ids, or values of USERNAME_FIELD).

    A reference made of digits is an id. Raises CommandError naming the
    references that match no user.
    """
    user_model = get_user_model()
    users = user_model._default_manager
    login_field = user_model.USERNAME_FIELD
    numbers = {ref for ref in references if _is_id(ref)}
    logins = [ref for ref in dict.fromkeys(references) if ref not in numbers]
    ids = [int(n) for n in numbers]
    found_ids: set[int] = set()
    found_logins: dict[str, int] = {}
    for start in range(0, max(len(ids), len(logins)), LOOKUP_BATCH):
        window = slice(start, start + LOOKUP_BATCH)
        found_ids.update(users.filter(pk__in=ids[window]).values_list("pk", flat=True))
        found_logins.update(
            users.filter(**{f"{login_field}__in": logins[window]}).values_list(login_field, "pk")
        )
    unknown = [
        ref
        for ref in references
        if (ref in numbers and int(ref) not in found_ids)
        or (ref not in numbers and ref not in found_logins)
    ]
    if unknown:
        raise CommandError(f"No such user: {', '.join(_shorten(ref) for ref in unknown)}.")
    recipients = [int(ref) if ref in numbers else found_logins[ref] for ref in references]
    return list(dict.fromkeys(recipients))


def _shorten(reference: str) -> str:
    return reference if len(reference) <= 40 else f"{reference[:40]}… ({len(reference)} characters)"


def _is_id(reference: str) -> bool:
    # The length first: int() of thousands of digits raises (and is slow).
    return (
        len(reference) <= 19
        and reference.isascii()
        and reference.isdigit()
        and int(reference) <= MAX_ID
    )


def _parse_data(text: str) -> Any:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise CommandError(f"--data is not valid JSON: {error}.") from error
    except RecursionError:
        raise CommandError("--data: JSON nested too deeply.") from None
    problem = unstorable(data)
    if problem is not None:
        raise CommandError(f"--data: {problem}")
    return data


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
        parser.add_argument(
            "--url", default=None, help="where the notification leads: a path or an http(s) URL"
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
        for reference in options["users"] or []:
            if not is_storable(reference):  # before it reaches a query
                raise CommandError(f"--users: {unstorable(reference)}")
        name: str = options["type"]
        if is_storable(name) and sendable_type(name) is None:
            sendable = ", ".join(EventType.objects.sendable().values_list("name", flat=True))
            raise CommandError(
                f"Unknown event type {name!r}. Sendable types: {sendable or 'none'}."
            )
        data = None if options["data"] is None else _parse_data(options["data"])
        if options["all"]:
            users = None
        elif options["users"]:
            users = find_users(options["users"])
        else:
            raise CommandError("Give the recipients: --users ID_OR_USERNAME ... or --all.")
        key: str | None = options["key"]
        try:
            event = send_notification(
                type=name,
                title=options["title"],
                data=data,
                users=users,
                message=options["message"],
                key=key,
                url=options["url"],
            )
        except InvalidNotification as error:  # named by its field, shown by its code
            problem = MESSAGES.get(error.code)
            if problem is None or error.field not in OPTIONS:
                raise CommandError(str(error)) from error
            raise CommandError(f"--{error.field}: {problem}") from error
        except NotificationsError as error:
            raise CommandError(str(error)) from error
        if not event.created:
            self.stdout.write(
                f"Event {event.pk} was already sent with key {key!r}: nothing new was sent."
            )
            return
        count = event.notifications_count
        created = ngettext("%(count)d notification", "%(count)d notifications", count) % {
            "count": count
        }
        self.stdout.write(f"Sent event {event.pk} ({name}): {created}.")
