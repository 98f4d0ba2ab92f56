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
        "XeroEventsFunction",
        "ReconcileFunction",
        "PullFunction",
        "SettlementsFunction",
        "ConsoleFunction",
    }
    ingress = stack.functions["IngressFunction"].config
    assert ingress.environment["ORDERS_QUEUE_URL"] == stack.resources["OrdersQueue"]
    assert ingress.environment["WEBHOOK_SECRET_ARN"].startswith("arn:aws:secretsmanager:")
    orders = stack.functions["SyncOrdersFunction"].config
    assert orders.environment["MAPPINGS_TABLE"] == stack.resources["MappingsTable"]
    assert orders.environment["XERO_API_URL"] == "http://127.0.0.1:9"  # a template parameter
    assert orders.environment["SETTINGS_PARAMETER"] == "/xerosync/store-a/settings"
    assert orders.timeout == 120 and orders.memory_mb == 512
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
    assert len(mappings) == 5  # orders, contacts, items, Xero events, settlement notifications
    few = {stack.resources[q].rsplit("/")[-1] for q in ("XeroEventsQueue", "SettlementNotificationsQueue")}
    for esm in mappings:
        assert esm["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
        if esm["EventSourceArn"].rsplit(":", 1)[-1] in few:
            assert esm["BatchSize"] == 10  # a few events an hour: no window to wait for
        else:
            assert esm["BatchSize"] == 200 and esm["MaximumBatchingWindowInSeconds"] == 2
        assert esm["ScalingConfig"]["MaximumConcurrency"] == 2


def test_queues_redrive_to_their_dead_letter_queues(stack: LocalStack) -> None:
    sqs = stack.client("sqs")
    for queue in ("OrdersQueue", "ContactsQueue", "ItemsQueue", "XeroEventsQueue"):
        attrs = sqs.get_queue_attributes(QueueUrl=stack.resources[queue], AttributeNames=["All"])["Attributes"]
        redrive = json.loads(attrs["RedrivePolicy"])
        assert redrive["deadLetterTargetArn"].endswith(stack.resources[queue.replace("Queue", "DLQ")].rsplit("/")[-1])
        assert int(attrs["VisibilityTimeout"]) == 720


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
    for logical in ("OrdersQueue", "MappingsTable", "SyncOrdersFunction"):
        assert b[logical] != stack.resources[logical]
    outputs = {
        o["OutputKey"]: o["OutputValue"]
        for o in cloudformation.describe_stacks(StackName="store-b")["Stacks"][0]["Outputs"]
    }
    assert outputs["SettingsParameterName"] == "/xerosync/store-b/settings" != stack.outputs["SettingsParameterName"]


def test_http_api_serves_only_the_template_routes(stack: LocalStack) -> None:
    status, _, _ = stack.http_request("POST", "/webhooks/shopify", {}, b"{}")
    assert status == 404
    status, _, body = stack.http_request(
        "POST", "/webhooks/woocommerce", {"Content-Type": "text/plain"}, b"webhook_id=5"
    )
    assert (status, json.loads(body)) == (200, {"message": "pong"})


def test_a_schedule_runs_on_demand_with_the_event_eventbridge_sends(stack: LocalStack) -> None:
    event = stack.scheduled_event("ReconcileFunction")
    assert (event["source"], event["detail-type"]) == ("aws.events", "Scheduled Event")
    rule = stack.resources["ReconcileFunctionReconcile"]  # the rule SAM made of the Schedule event
    assert event["resources"][0].endswith(f":rule/{rule}")
    result = stack.run_schedule("ReconcileFunction")
    assert result.ok, result.error
    # the store's REST key is not set yet: the run says so instead of failing every 15 minutes
    assert result.payload["outcome"] == "not_configured" and "StoreApiSecret" in result.payload["reason"]
    with pytest.raises(ValueError, match="no Schedule"):
        stack.scheduled_event("IngressFunction")


def test_the_stack_tells_the_store_and_xero_its_local_urls(stack: LocalStack) -> None:
    assert stack.outputs["WebhookUrl"] == stack.api_url + "/webhooks/woocommerce"
    assert stack.outputs["XeroWebhookUrl"] == stack.api_url + "/webhooks/xero"
    env = stack.functions["ReconcileFunction"].config.environment
    assert env["STORE_WEBHOOK_URL"] == stack.outputs["WebhookUrl"]


def test_xero_webhooks_are_refused_until_the_key_is_set_and_then_handshake(stack: LocalStack) -> None:
    from xerosync.xero_webhooks import sign

    empty = b'{"events":[],"firstEventSequence":0,"lastEventSequence":0,"entropy":"ABC"}'
    headers = {"Content-Type": "application/json", "x-xero-signature": sign(empty, "the-key")}
    assert stack.http_request("POST", "/webhooks/xero", headers, empty)[0] == 401  # a generated key: not Xero's
    stack.put_secret("XeroWebhookKeySecret", "the-key")
    stack.functions["IngressFunction"].kill_workers()  # secrets are cached a few minutes per container
    status, _, body = stack.http_request("POST", "/webhooks/xero", headers, empty)
    assert (status, body) == (200, b"")
    wrong = {**headers, "x-xero-signature": sign(empty, "not-the-key")}
    assert stack.http_request("POST", "/webhooks/xero", wrong, empty)[0] == 401
