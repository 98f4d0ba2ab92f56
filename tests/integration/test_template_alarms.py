"""Someone is told when it breaks (issue 19, item 11): the alarms, where they send, and that the
custom metrics they watch are the ones the code emits, for this stack only."""

import re
from pathlib import Path
from typing import Any

import pytest

from local.sam import ROOT, load
from tests.integration.test_template_production import of_type, refs


@pytest.fixture(scope="module")
def deployed() -> dict[str, Any]:
    return load().cloudformation


def alarms(deployed: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in of_type(deployed, "AWS::CloudWatch::Alarm").items()}


def watched(alarm: dict[str, Any]) -> tuple[str, str, frozenset[str]]:
    return alarm["Namespace"], alarm["MetricName"], frozenset(refs(alarm["Dimensions"]))


def test_every_alarm_tells_the_alert_topic(deployed: dict[str, Any]) -> None:
    found = alarms(deployed)
    assert len(found) >= 20
    for name, alarm in found.items():
        assert alarm["AlarmActions"] == alarm["OKActions"] == [{"Ref": "AlertTopic"}], name
        assert alarm["TreatMissingData"] == "notBreaching", name
        assert "${AWS::StackName}" in alarm["AlarmDescription"]["Fn::Sub"], name  # which store, in the email
    subscription = deployed["Resources"]["AlertSubscription"]
    assert subscription["Condition"] == "HasAlertEmail"
    assert subscription["Properties"] == {
        "TopicArn": {"Ref": "AlertTopic"},
        "Protocol": "email",
        "Endpoint": {"Ref": "AlertEmail"},
    }


def test_dead_letters_and_old_messages_in_every_queue(deployed: dict[str, Any]) -> None:
    queues = of_type(deployed, "AWS::SQS::Queue")
    seen = {watched(a) for a in alarms(deployed).values()}
    for name in queues:
        metric = "ApproximateNumberOfMessagesVisible" if name.endswith("DLQ") else "ApproximateAgeOfOldestMessage"
        assert ("AWS/SQS", metric, frozenset({name})) in seen, name
    age = [a for a in alarms(deployed).values() if a["MetricName"] == "ApproximateAgeOfOldestMessage"]
    assert all(a["Threshold"] == {"Ref": "QueueAgeAlarmSeconds"} for a in age)


def test_errors_and_throttles_of_every_function_and_the_apis_5xx(deployed: dict[str, Any]) -> None:
    seen = {watched(a) for a in alarms(deployed).values()}
    for name in of_type(deployed, "AWS::Lambda::Function"):
        assert ("AWS/Lambda", "Errors", frozenset({name})) in seen
        assert ("AWS/Lambda", "Throttles", frozenset({name})) in seen
    assert ("AWS/ApiGateway", "5xx", frozenset({"WebhooksApi"})) in seen


CUSTOM = {
    "reconcile_failed": Path("functions/reconcile/app.py"),
    "pull_failed": Path("functions/pull/app.py"),
    "settlements_failed": Path("functions/settlements/app.py"),
    "xero_connection_refused": Path("shared/xerosync/xero/tokens.py"),
    "xero_day_remaining": Path("shared/xerosync/xero/client.py"),
    "settings_invalid": Path("shared/xerosync/handlers.py"),
    "store_secret_days_left": Path("shared/xerosync/credentials.py"),
}


def test_custom_metric_alarms_watch_what_the_code_emits_for_this_stack(deployed: dict[str, Any]) -> None:
    custom = {a["MetricName"]: a for a in alarms(deployed).values() if a["Namespace"] == "xerosync"}
    assert set(custom) == set(CUSTOM)
    for metric, alarm in custom.items():
        # Powertools' service dimension and ours (xerosync.observability): exactly what is emitted
        assert alarm["Dimensions"] == [
            {"Name": "service", "Value": "xerosync"},
            {"Name": "stack", "Value": {"Ref": "AWS::StackName"}},
        ]
        code = (ROOT / CUSTOM[metric]).read_text()
        assert re.search(rf'count\(\s*"{metric}"', code), f"{CUSTOM[metric]} does not emit {metric}"
    env = deployed["Resources"]["IngressFunction"]["Properties"]["Environment"]["Variables"]
    assert env["STACK_NAME"] == {"Ref": "AWS::StackName"} and env["POWERTOOLS_SERVICE_NAME"] == "xerosync"


def test_the_day_budget_alarm_fires_with_a_tenth_of_the_day_left(deployed: dict[str, Any]) -> None:
    [alarm] = [a for a in alarms(deployed).values() if a["MetricName"] == "xero_day_remaining"]
    assert alarm["ComparisonOperator"] == "LessThanOrEqualToThreshold" and alarm["Statistic"] == "Minimum"
    assert alarm["Threshold"] == {"Fn::FindInMap": ["XeroDay", {"Ref": "XeroDayLimit"}, "Low"]}
    table = deployed["Mappings"]["XeroDay"]
    for limit in deployed["Parameters"]["XeroDayLimit"]["AllowedValues"]:
        assert table[str(limit)]["Low"] == limit // 10


def test_a_dashboard_per_stack(deployed: dict[str, Any]) -> None:
    [dashboard] = of_type(deployed, "AWS::CloudWatch::Dashboard").values()
    body = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    assert "DashboardName" not in dashboard["Properties"]  # named from the stack by CloudFormation
    for name in ("OrdersDLQ.QueueName", "SyncOrdersFunction", "WebhooksApi", "AWS::StackName"):
        assert "${" + name + "}" in body


def test_an_amazon_stack_is_told_30_days_before_its_lwa_client_secret_expires(deployed: dict[str, Any]) -> None:
    alarm = deployed["Resources"]["StoreSecretExpiryAlarm"]
    assert alarm["Condition"] == "ServesAmazon"  # only Amazon's secrets expire
    props = alarm["Properties"]
    assert props["MetricName"] == "store_secret_days_left" and props["Statistic"] == "Minimum"
    assert props["ComparisonOperator"] == "LessThanOrEqualToThreshold" and props["Threshold"] == 30
    # the schedule that publishes it runs within the period, so a stack that is on publishes every period
    assert props["Period"] >= 2 * 3600
    for name in ("CredentialNotificationsQueue", "CredentialNotificationsDLQ", "CredentialNotificationsQueueAgeAlarm",
                 "CredentialNotificationsDLQAlarm", "CredentialNotificationsSource"):  # fmt: skip
        assert deployed["Resources"][name]["Condition"] == "ServesAmazon", name
