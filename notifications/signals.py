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
