"""One POST to a destination through the outbound-request policy, and what its answer means.

Shared by the channels that post to a URL (signed webhooks, Slack, Teams,
Discord): a 2xx is accepted; ``gone`` statuses mean the destination no longer
exists (final); 408, 425, 429, 5xx and network failures (a timeout, a closed
connection) are worth a retry; any other answer, a redirect included, is final.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from notifications.outbound import requests

#: Answers worth a retry besides 5xx.
TRANSIENT = frozenset({408, 425, 429})


@dataclass(frozen=True)
class Posted:
    """One POST's result: ``accepted``, or an ``error`` (``retry`` when transient)."""

    accepted: bool = False
    error: str = ""
    retry: bool = False
    response: requests.OutboundResponse | None = None


def is_transient(status: int) -> bool:
    """Whether an answer with ``status`` is worth a retry (408, 425, 429, 5xx)."""
    return status in TRANSIENT or status >= 500


def post(url: str, content: bytes, headers: dict[str, str], *, where: str) -> Posted:
    """POST ``content`` to ``url`` under the policy; never raises for the answer or the network.

    ``where`` names the destination in errors (never the URL itself, which may
    carry a secret token, as Slack's and Discord's webhook URLs do).
    """
    try:
        answer = requests.post(url, content=content, headers=headers)
    except requests.RefusedURL as error:
        return Posted(error=f"{where}: refused: {error.reason}")
    except requests.OutboundError as error:
        return Posted(error=f"{where}: {error}", retry=True)
    if 200 <= answer.status < 300:
        return Posted(accepted=True, response=answer)
    return Posted(
        error=f"{where}: {answer.status}", retry=is_transient(answer.status), response=answer
    )


def json_headers(**extra: Any) -> dict[str, str]:
    """``Content-Type: application/json`` (UTF-8) plus ``extra``."""
    return {"Content-Type": "application/json; charset=utf-8", **extra}
