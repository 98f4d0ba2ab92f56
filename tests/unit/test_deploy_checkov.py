"""The reviewed list of accepted checkov findings (deploy/checkov-accepted.yaml) is applied
strictly by make deploy-check: a new finding fails, and so does an entry that matches nothing."""

from deploy.checkov import Finding, accepted_list, judge

ACCEPTED = {"CKV_AWS_27": {"resources": ["AWS::SQS::Queue.*"], "reason": "SSE-SQS"}}


def test_accepted_findings_pass() -> None:
    verdict = judge([Finding("CKV_AWS_27", "AWS::SQS::Queue.OrdersQueue")], ACCEPTED)
    assert verdict.unaccepted == [] and verdict.stale == []


def test_a_finding_nobody_accepted_fails() -> None:
    new = Finding("CKV_AWS_28", "AWS::DynamoDB::Table.MappingsTable")
    verdict = judge([Finding("CKV_AWS_27", "AWS::SQS::Queue.OrdersQueue"), new], ACCEPTED)
    assert verdict.unaccepted == [new]


def test_the_same_check_on_a_resource_not_listed_fails() -> None:
    accepted = {"CKV_AWS_28": {"resources": ["AWS::DynamoDB::Table.SyncLogTable"], "reason": "expires"}}
    found = Finding("CKV_AWS_28", "AWS::DynamoDB::Table.MappingsTable")
    assert judge([found], accepted).unaccepted == [found]


def test_an_entry_that_matches_nothing_is_stale() -> None:
    assert judge([], ACCEPTED).stale == ["CKV_AWS_27 AWS::SQS::Queue.*"]


def test_every_accepted_entry_says_why() -> None:
    entries = accepted_list()
    assert entries and all(len(e["reason"]) > 60 for e in entries.values())
