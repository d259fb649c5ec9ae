"""Signals for your own code; each is sent after the change has been committed.

They are sent with ``send_robust``: Django logs what a receiver raises (logger
``django.dispatch``), and nothing is undone or interrupted.
"""

from __future__ import annotations

from django.dispatch import Signal

#: An event was written and fanned out. Arguments: ``sender`` (the Event class),
#: ``event`` (the Event), ``count`` (notifications created). For background
#: fan-out it is sent once the Event is committed, with ``count`` of 0 so far.
notifications_sent = Signal()

#: A user marked notifications read. Arguments: ``sender`` (the Notification
#: class), ``user``, ``ids`` (the ids that changed from unread to read; for
#: mark-all-read, None).
notifications_read = Signal()

#: A user deleted a notification. Arguments: ``sender`` (the Notification class),
#: ``user``, ``notification_id``.
notification_deleted = Signal()

# Delivery channels (email, Web Push). Each is sent once per delivery record
# when its outcome is written. Arguments: ``sender`` (the channel's class),
# ``channel`` (its name), ``delivery`` (the Delivery, with ``notification``).

#: The channel handed the notification over (mail backend, push service).
delivery_sent = Signal()

#: Nothing was sent, for ``delivery.reason`` ("disabled", "read", ...).
delivery_skipped = Signal()

#: Sending failed with ``delivery.error``. Extra argument: ``final`` (True when
#: no retry follows).
delivery_failed = Signal()
