"""The local runner deploys template.yaml into moto the way CloudFormation would."""

import json
from collections.abc import Iterator

import pytest

from local.sam import load
from local.stack import LocalStack


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(
        stack_name="store-a",
        store_name="a",
        poll=False,
        parameters={"XeroApiUrl": "http://127.0.0.1:9", "XeroIdentityUrl": "http://127.0.0.1:9"},
    ) as s:
        yield s


def test_every_function_is_deployed_with_its_resolved_environment(stack: LocalStack) -> None:
    assert set(stack.functions) == {
        "IngressFunction",
        "SyncOrdersFunction",
        "SyncContactsFunction",
        "SyncItemsFunction",
    }
    ingress = stack.functions["IngressFunction"].config
    assert ingress.environment["ORDERS_QUEUE_URL"] == stack.resources["OrdersQueue"]
    assert ingress.environment["WEBHOOK_SECRET_ARN"].startswith("arn:aws:secretsmanager:")
    orders = stack.functions["SyncOrdersFunction"].config
    assert orders.environment["MAPPINGS_TABLE"] == stack.resources["MappingsTable"]
    assert orders.environment["XERO_API_URL"] == "http://127.0.0.1:9"  # a template parameter
    assert orders.environment["SETTINGS_PARAMETER"] == "/xerosync/store-a/settings"
    assert orders.timeout == 60 and orders.memory_mb == 512
    assert [p.name for p in orders.layers] == ["shared", "deps"]


def test_secrets_exist_and_the_webhook_secret_is_generated(stack: LocalStack) -> None:
    sm = stack.client("secretsmanager")
    webhook = sm.get_secret_value(SecretId=stack.resources["WebhookSecret"])["SecretString"]
    assert len(webhook) == 40 and webhook.isalnum()
    xero = json.loads(sm.get_secret_value(SecretId=stack.resources["XeroCredentialsSecret"])["SecretString"])
    assert set(xero) == {"client_id", "client_secret"}


def test_event_source_mappings_match_the_template(stack: LocalStack) -> None:
    ours = {f.config.name for f in stack.functions.values()}
    mappings = [
        m
        for m in stack.client("lambda").list_event_source_mappings()["EventSourceMappings"]
        if m["FunctionArn"].rsplit(":", 1)[-1] in ours  # moto's state is per process, shared by all stacks in it
    ]
    assert len(mappings) == 3
    for esm in mappings:
        assert esm["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        assert esm["BatchSize"] == 50 and esm["MaximumBatchingWindowInSeconds"] == 2
        assert esm["ScalingConfig"]["MaximumConcurrency"] == 2


def test_queues_redrive_to_their_dead_letter_queues(stack: LocalStack) -> None:
    sqs = stack.client("sqs")
    for queue in ("OrdersQueue", "ContactsQueue", "ItemsQueue"):
        attrs = sqs.get_queue_attributes(QueueUrl=stack.resources[queue], AttributeNames=["All"])["Attributes"]
        redrive = json.loads(attrs["RedrivePolicy"])
        assert redrive["deadLetterTargetArn"].endswith(stack.resources[queue.replace("Queue", "DLQ")].rsplit("/")[-1])
        assert int(attrs["VisibilityTimeout"]) == 360


def test_a_second_store_deploys_beside_the_first(stack: LocalStack) -> None:
    cloudformation = stack.client("cloudformation")
    cloudformation.create_stack(
        StackName="store-b",
        TemplateBody=json.dumps(load().cloudformation),
        Parameters=[{"ParameterKey": "StoreName", "ParameterValue": "b"}],
        Capabilities=["CAPABILITY_IAM"],
    )
    assert cloudformation.describe_stacks(StackName="store-b")["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    b = {
        r["LogicalResourceId"]: r["PhysicalResourceId"]
        for r in cloudformation.list_stack_resources(StackName="store-b")["StackResourceSummaries"]
    }
    for logical in ("OrdersQueue", "MappingsTable", "SyncOrdersFunction", "SettingsParameter"):
        assert b[logical] != stack.resources[logical]


def test_http_api_serves_only_the_template_routes(stack: LocalStack) -> None:
    status, _, _ = stack.http_request("POST", "/webhooks/shopify", {}, b"{}")
    assert status == 404
    status, _, body = stack.http_request(
        "POST", "/webhooks/woocommerce", {"Content-Type": "text/plain"}, b"webhook_id=5"
    )
    assert (status, json.loads(body)) == (200, {"message": "pong"})
