"""A separate process of the grouped-send race: ``python -m tests.fanout.grouped_worker``.

Run from the repository root with the demo's settings (``DJANGO_SETTINGS_MODULE=demo.settings``
and ``example/`` on the path). Modes:

- ``users N``: create ``racer0`` .. ``racerN-1`` (idempotent) and print their ids.
- ``send START SENDS``: wait until the wall-clock time START, then make SENDS grouped
  sends to every racer; print one JSON line: ``{"sent": n, "errors": [...]}``.
- ``read START STOP``: from START until STOP, mark the racers' open rows read, archive
  them, mark all read, round after round; print ``{"rounds": n, "errors": [...]}``.
- ``login START STOP``: from START until STOP, the racers log in, in random order, as
  the clients of the readers do (Django records ``last_login``): the user table's rows
  move on disk while the sends scan it.
"""

from __future__ import annotations

import json
import random
import sys
import time

import django


def wait_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.time()))


def main(argv: list[str]) -> None:
    django.setup()
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from notifications import services
    from notifications.models import Notification

    mode = argv[0]
    racers = get_user_model().objects.filter(username__startswith="racer").order_by("pk")
    if mode == "users":
        for index in range(int(argv[1])):
            get_user_model().objects.get_or_create(username=f"racer{index}")
        print(json.dumps(list(racers.values_list("pk", flat=True))))
        return
    users = list(racers)
    errors: list[str] = []
    if mode == "send":
        wait_until(float(argv[1]))
        sent = 0
        for index in range(int(argv[2])):
            try:
                services.send_notification(
                    type="post_like", title=f"like {index}", users=users, group="post-7"
                )
                sent += 1
            except Exception as error:  # the race's outcome: reported, not raised
                errors.append(f"{type(error).__name__}: {error}")
        print(json.dumps({"sent": sent, "errors": errors}))
        return
    start, stop = float(argv[1]), float(argv[2])
    wait_until(start)
    rounds = 0
    if mode == "login":
        rng = random.Random(0)
        while time.time() < stop:
            for user in rng.sample(users, len(users)):
                user.last_login = timezone.now()
                user.save(update_fields=["last_login"])
            rounds += 1
            time.sleep(0.05)
        print(json.dumps({"rounds": rounds, "errors": errors}))
        return
    while time.time() < stop:
        for step, user in enumerate(users):
            try:
                open_ids = list(
                    Notification.objects.filter(user=user, readed__isnull=True).values_list(
                        "pk", flat=True
                    )
                )
                if rounds % 3 == 0:
                    services.mark_read(user, open_ids)
                elif rounds % 3 == 1:
                    services.archive(user, open_ids)
                else:
                    services.mark_all_read(user)
            except Exception as error:
                errors.append(f"{type(error).__name__} ({step}): {error}")
        rounds += 1
    print(json.dumps({"rounds": rounds, "errors": errors}))


if __name__ == "__main__":
    main(sys.argv[1:])
