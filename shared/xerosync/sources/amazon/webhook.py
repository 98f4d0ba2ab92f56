"""What the ingress decides about an HTTP delivery to ``/webhooks/amazon`` (pure, standard library only).

Amazon sends a seller's stack no webhooks: the Selling Partner API's notifications are delivered
to an Amazon SQS queue or an EventBridge bus, never to an HTTPS endpoint
(https://developer-docs.amazon.com/sp-api/docs/notifications-api-v1-use-case-guide). Settlements
are read by the scheduled poll (SettlementsFunction). So every request to this route is refused,
and nothing is enqueued: whoever posts here is not Amazon.
"""

from collections.abc import Callable
from datetime import datetime

from xerosync.webhooks import Decision, reply

NOT_AMAZON = (
    "Amazon sends no webhooks: its notifications arrive on an SQS queue, and settlements are polled on a schedule"
)


def decide(headers: dict[str, str], raw: bytes, secret: Callable[[], str], now: datetime | None = None) -> Decision:
    """404 for any delivery, without reading the webhook secret."""
    return reply(404, "no_webhooks", NOT_AMAZON, bytes=len(raw))
