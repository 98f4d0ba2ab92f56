"""A conditional write refused by its own first try.

DynamoDB can apply a write whose answer never reaches the worker (a read timeout, a closed
connection); botocore's standard retry mode then sends the same request again, and a condition
that the first try's own item no longer satisfies refuses it. A lease, a lock or a version write
would then report "held by someone else" or "changed by another run" about the worker's own
write. Such writes carry something that only their writer knows (a lease's or a lock's token, a
version write's ``writer``), ask for the refused item (``ReturnValuesOnConditionCheckFailure``:
``ALL_OLD``, https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_PutItem.html)
and, finding their own token in it, take the write as done: another writer's item never holds
it, so mutual exclusion stays as strong as the condition made it.
:mod:`xerosync.aws.mappings` and :mod:`xerosync.aws.idempotency` do the same for their items.
"""

from typing import Any

from botocore.exceptions import ClientError

from xerosync.aws import _codec
from xerosync.observability import count, logger

ALL_OLD = {"ReturnValuesOnConditionCheckFailure": "ALL_OLD"}


def conflict(err: ClientError) -> bool:
    """The write's condition failed."""
    return bool(err.response["Error"]["Code"] == "ConditionalCheckFailedException")


def refused_by_own(err: ClientError, attribute: str, mine: str, *, what: str, key: str) -> bool:
    """Whether ``err`` is a failed condition whose item holds ``mine`` in ``attribute``: the
    request's own first try wrote it (logged and counted as ``own_write_after_lost_answer``).
    Only that attribute is read of the item (a token item's secrets go no further)."""
    if not conflict(err):
        return False
    found: dict[str, Any] = err.response.get("Item") or {}
    value = found.get(attribute)
    if value is None or _codec()[1](value) != mine:
        return False
    count("own_write_after_lost_answer")
    logger.warning(
        f"a {what} refused by its own write (its answer was lost and botocore retried): taken as done",
        extra={"item": key},
    )
    return True
