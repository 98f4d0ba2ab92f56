"""Which refused write is the worker's own (xerosync.aws.own_writes): only a failed condition
whose item holds the writer's own token. The lost answer itself is played against moto in
tests/integration/test_lost_answers.py."""

from typing import Any

from botocore.exceptions import ClientError

from xerosync.aws.own_writes import conflict, refused_by_own


def refused(code: str, item: dict[str, Any] | None = None) -> ClientError:
    response: dict[str, Any] = {"Error": {"Code": code, "Message": "refused"}}
    if item is not None:
        response["Item"] = item  # as botocore parses it: DynamoDB's attribute values
    return ClientError(response, "PutItem")


def test_a_failed_condition_on_the_writers_own_token_is_its_own_write() -> None:
    err = refused("ConditionalCheckFailedException", {"pk": {"S": "job#reconcile"}, "token": {"S": "mine"}})
    assert conflict(err)
    assert refused_by_own(err, "token", "mine", what="job lease", key="job#reconcile")


def test_anything_else_is_not() -> None:
    theirs = refused("ConditionalCheckFailedException", {"pk": {"S": "job#reconcile"}, "token": {"S": "theirs"}})
    assert not refused_by_own(theirs, "token", "mine", what="job lease", key="job#reconcile")
    # no item returned (the request did not ask for it), or an item without the attribute
    assert not refused_by_own(refused("ConditionalCheckFailedException"), "token", "mine", what="x", key="k")
    untokened = refused("ConditionalCheckFailedException", {"pk": {"S": "job#reconcile"}})
    assert not refused_by_own(untokened, "token", "mine", what="x", key="k")
    # another error, even one carrying an item, is never taken as done
    throttled = refused("ProvisionedThroughputExceededException", {"token": {"S": "mine"}})
    assert not conflict(throttled)
    assert not refused_by_own(throttled, "token", "mine", what="x", key="k")
