"""template.yaml, checked offline the two ways it must be: cfn-lint on the
SAM template, and cfn-lint on its samtranslator output, which alone sees errors inside SAM
event sources."""

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from local.sam import ROOT, TEMPLATE, load, transform

CFN_LINT = [str(Path(sys.executable).parent / "cfn-lint")]


def lint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CFN_LINT, str(path)], capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def source() -> dict[str, Any]:
    return load().source


def test_cfn_lint_passes_on_the_sam_template() -> None:
    result = lint(TEMPLATE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cfn_lint_passes_on_the_transformed_template(tmp_path: Path) -> None:
    out = tmp_path / "transformed.json"
    out.write_text(json.dumps(load().cloudformation))
    result = lint(out)
    assert result.returncode == 0, result.stdout + result.stderr


def test_transformed_lint_catches_errors_inside_sam_event_sources(tmp_path: Path, source: dict[str, Any]) -> None:
    # the mistake cfn-lint on template.yaml does not report since cfn-lint 1.54
    broken = copy.deepcopy(load().source)
    broken["Resources"]["SyncOrdersFunction"]["Properties"]["Events"]["Orders"]["Properties"][
        "FunctionResponseTypes"
    ] = ["ReportBatchItemFailure"]
    for res in broken["Resources"].values():
        for key in ("CodeUri", "ContentUri"):
            if key in res.get("Properties", {}):
                res["Properties"][key] = "s3://bucket/code.zip"
    out = tmp_path / "broken.json"
    out.write_text(json.dumps(transform(broken, "us-east-1")))
    result = lint(out)
    assert result.returncode != 0
    assert "ReportBatchItemFailure" in result.stdout


def functions(source: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in source["Resources"].items() if v["Type"] == "AWS::Serverless::Function"}


def test_runtime_is_python313_on_arm64(source: dict[str, Any]) -> None:
    globals_ = source["Globals"]["Function"]
    assert globals_["Runtime"] == "python3.13"
    assert globals_["Architectures"] == ["arm64"]


def test_every_sqs_source_reports_partial_batch_failures(source: dict[str, Any]) -> None:
    sources = [
        e["Properties"]
        for f in functions(source).values()
        for e in f["Properties"].get("Events", {}).values()
        if e["Type"] == "SQS"
    ]
    assert sources
    assert all(s["FunctionResponseTypes"] == ["ReportBatchItemFailures"] for s in sources)


def test_every_queue_has_a_dead_letter_queue(source: dict[str, Any]) -> None:
    queues = {k: v for k, v in source["Resources"].items() if v["Type"] == "AWS::SQS::Queue"}
    sources = [k for k in queues if not k.endswith("DLQ")]
    assert sources
    for name in sources:
        redrive = queues[name]["Properties"]["RedrivePolicy"]
        assert redrive["deadLetterTargetArn"]["Fn::GetAtt"][0] == name.replace("Queue", "DLQ")
        assert redrive["maxReceiveCount"] == {"Ref": "MaxReceiveCount"}
        assert source["Parameters"]["MaxReceiveCount"]["Default"] >= 3
        # Lambda's guidance: visibility timeout at least six times the function timeout
        if name in ("SettlementNotificationsQueue", "CredentialNotificationsQueue"):  # the settlements function's
            # timeout is SettlementsTimeout, not SyncTimeout
            assert source["Resources"]["SettlementsFunction"]["Properties"]["Timeout"] == {"Ref": "SettlementsTimeout"}
            longest = max(source["Parameters"]["SettlementsTimeout"]["AllowedValues"])
            assert queues[name]["Properties"]["VisibilityTimeout"] >= 6 * longest
            continue
        assert queues[name]["Properties"]["VisibilityTimeout"] == {"Ref": "QueueVisibilityTimeout"}
    parameters = source["Parameters"]
    assert parameters["QueueVisibilityTimeout"]["Default"] >= 6 * parameters["SyncTimeout"]["Default"]
    assert parameters["RecordLeaseSeconds"]["Default"] > parameters["SyncTimeout"]["Default"]


def test_no_fixed_resource_names_so_two_stores_deploy_side_by_side(source: dict[str, Any]) -> None:
    named = 0
    for name, res in source["Resources"].items():
        for key in ("QueueName", "TableName", "FunctionName", "LayerName", "Name", "ApiName", "AlarmName"):
            if key == "FunctionName" and res["Type"] == "AWS::Lambda::EventSourceMapping":
                continue  # names the function it feeds, not itself
            if key in res.get("Properties", {}):
                # an explicit name is derived from the stack's (the layers: each store its own versions)
                assert "${AWS::StackName}" in json.dumps(res["Properties"][key]), f"{name} has a fixed {key}"
                named += 1
    assert named == 2  # DepsLayer, XerosyncLayer


def test_only_the_short_lived_tables_expire_items(source: dict[str, Any]) -> None:
    # the sync log and the idempotency keys expire; the mapping table keeps everything
    # (tests/integration/test_item_expiry.py checks each kind of item in it)
    tables = {k: v for k, v in source["Resources"].items() if v["Type"] == "AWS::DynamoDB::Table"}
    ttl = {k: t["Properties"]["TimeToLiveSpecification"]["Enabled"] for k, t in tables.items()}
    assert ttl == {"MappingsTable": False, "SyncLogTable": True, "IdempotencyTable": True}


def test_secrets_are_referenced_never_inlined(source: dict[str, Any]) -> None:
    for name, parameter in source.get("Parameters", {}).items():
        assert "secret" not in name.lower() and "password" not in name.lower()
        assert not parameter.get("NoEcho")
    for function in functions(source).values():
        env = function["Properties"].get("Environment", {}).get("Variables", {})
        for key, value in env.items():
            if "SECRET" in key:
                assert key.endswith("_ARN") and "Ref" in value, key


def test_every_function_and_layer_has_its_code(source: dict[str, Any]) -> None:
    for name, function in functions(source).items():
        folder = ROOT / function["Properties"]["CodeUri"]
        module, _, handler = function["Properties"]["Handler"].rpartition(".")
        code = (folder / f"{module}.py").read_text()
        assert f"{handler} =" in code or f"def {handler}(" in code, name
    for layer in (v for v in source["Resources"].values() if v["Type"] == "AWS::Serverless::LayerVersion"):
        assert (ROOT / layer["Properties"]["ContentUri"]).is_dir()
    assert (ROOT / "shared" / "xerosync" / "__init__.py").exists()
    requirements = (ROOT / "layers" / "deps" / "requirements.txt").read_text()
    assert "xero-python==" in requirements  # boto3 too, pinned and trimmed: tests/unit/test_deploy_lock.py


def test_schedules_run_at_the_rates_the_stack_parameters_set(source: dict[str, Any]) -> None:
    for function, parameter in (
        ("ReconcileFunction", "ReconcileSchedule"),
        ("PullFunction", "PullSchedule"),
        ("SettlementsFunction", "SettlementsSchedule"),
    ):
        events = source["Resources"][function]["Properties"]["Events"]
        [schedule] = [e for e in events.values() if e["Type"] in ("Schedule", "ScheduleV2")]
        assert schedule["Properties"]["Schedule"] == {"Ref": parameter}
        assert source["Parameters"][parameter]["Default"].startswith("rate(")
        assert "Name" not in schedule["Properties"]  # derived from the stack: two stores side by side


def test_the_mapping_table_finds_a_store_record_by_its_xero_id(source: dict[str, Any]) -> None:
    table = source["Resources"]["MappingsTable"]["Properties"]
    [index] = [i for i in table["GlobalSecondaryIndexes"] if i["IndexName"] == "by-xero-id"]
    assert index["KeySchema"] == [{"AttributeName": "xero_id", "KeyType": "HASH"}]
    from xerosync.aws.jobstate import XERO_ID_INDEX

    assert XERO_ID_INDEX == "by-xero-id"


def test_xero_webhooks_come_in_through_the_ingress_function(source: dict[str, Any]) -> None:
    events = source["Resources"]["IngressFunction"]["Properties"]["Events"]
    paths = {e["Properties"]["Path"] for e in events.values() if e["Type"] == "HttpApi"}
    assert paths == {"/webhooks/{source}", "/webhooks/xero"}  # {source}: the stack's StoreSource
    env = source["Resources"]["IngressFunction"]["Properties"]["Environment"]["Variables"]
    assert env["XERO_WEBHOOK_KEY_SECRET_ARN"] == {"Ref": "XeroWebhookKeySecret"}
    from xerosync.aws.stack import QUEUES

    assert QUEUES["xero"] == ("XeroEventsQueue", "XeroEventsDLQ")


def test_only_amazon_s_notification_account_may_send_settlement_notifications(source: dict[str, Any]) -> None:
    # developer-docs.amazon.com/sp-api/docs/notifications-api-v1-use-case-guide: the SQS destination
    # grants the SP-API's account SendMessage and GetQueueAttributes; nobody else, and only on an Amazon stack
    policy = source["Resources"]["SettlementNotificationsQueuePolicy"]
    assert policy["Condition"] == "ServesAmazon"
    assert source["Conditions"]["ServesAmazon"] == {"Fn::Equals": [{"Ref": "StoreSource"}, "amazon"]}
    [statement] = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::437568002678:root"}}
    assert sorted(statement["Action"]) == ["sqs:GetQueueAttributes", "sqs:SendMessage"]
    assert statement["Resource"] == {"Fn::GetAtt": ["SettlementNotificationsQueue", "Arn"]}
    events = source["Resources"]["SettlementsFunction"]["Properties"]["Events"]
    assert events["Notifications"]["Properties"]["Queue"] == {"Fn::GetAtt": ["SettlementNotificationsQueue", "Arn"]}


def test_only_amazon_s_notification_account_may_send_renewed_credentials_and_only_to_an_amazon_stack(
    source: dict[str, Any],
) -> None:
    # the Application Management API delivers a rotated LWA client secret to an SQS queue registered for
    # APPLICATION_OAUTH_CLIENT_NEW_SECRET
    # (developer-docs.amazon.com/sp-api/docs/application-management-api-v2023-11-30-use-case-guide)
    resources = source["Resources"]
    policy = resources["CredentialNotificationsQueuePolicy"]
    assert policy["Condition"] == resources["CredentialNotificationsQueue"]["Condition"] == "ServesAmazon"
    [statement] = policy["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::437568002678:root"}}
    assert sorted(statement["Action"]) == ["sqs:GetQueueAttributes", "sqs:SendMessage"]
    mapping = resources["CredentialNotificationsSource"]
    assert mapping["Condition"] == "ServesAmazon"
    assert mapping["Properties"]["FunctionName"] == {"Ref": "SettlementsFunction"}
    assert mapping["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    env = resources["SettlementsFunction"]["Properties"]["Environment"]["Variables"]
    assert env["CREDENTIAL_NOTIFICATIONS_QUEUE"] == {
        "Fn::If": ["ServesAmazon", {"Fn::GetAtt": ["CredentialNotificationsQueue", "QueueName"]}, ""]
    }
