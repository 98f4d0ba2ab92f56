"""Least privilege, per store (issue 19, item 8), on the samtranslator output: what IAM gets.

SAM's generated roles would attach AWSLambdaSQSQueueExecutionRole (receive and delete on every
queue in the account: another store's queues hold customer details), SSMParameterReadPolicy
adds DescribeParameters on ``*``, DynamoDBCrudPolicy grants Scan and BatchWriteItem that
nothing calls. Each function has its own role instead, scoped to this stack's resources and to
the calls its code makes."""

from collections import defaultdict
from typing import Any

import pytest

from local.sam import load
from tests.integration.test_template_production import of_type, refs

# the only actions AWS offers on no narrower resource than "*"
STAR_ONLY = {"xray:PutTraceSegments", "xray:PutTelemetryRecords", "cloudwatch:PutMetricData"}
RECEIVING = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility")
NEVER = {"dynamodb:Scan", "dynamodb:BatchWriteItem", "ssm:DescribeParameters", "sqs:PurgeQueue", "sqs:DeleteQueue"}
# The console retries dead letters (receives and deletes them, sends them back to their queues)
# and shows every queue's depth
DEAD_LETTERS = {"OrdersDLQ", "ContactsDLQ", "ItemsDLQ", "XeroEventsDLQ"}
CONSOLE_DEPTHS = DEAD_LETTERS | {"OrdersQueue", "ContactsQueue", "ItemsQueue", "XeroEventsQueue"}
# Privacy requests arrive on the contacts queue: finding a customer's entries in the sync log and
# the mapping table by the text they hold is a scan (filtered in DynamoDB; nothing indexes text)
PRIVACY = {"SyncContactsRole": {"dynamodb:Scan"}}


@pytest.fixture(scope="module")
def deployed() -> dict[str, Any]:
    return load().cloudformation


def statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    """A role's statements; a conditional one (``Fn::If``, e.g. the shared Xero budget's) as granted."""
    found = []
    for policy in role["Properties"].get("Policies", []):
        for statement in policy["PolicyDocument"]["Statement"]:
            if "Fn::If" in statement:
                statement = statement["Fn::If"][1]
            assert statement["Effect"] == "Allow"
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            found.append({"actions": set(actions), "resources": resources})
    return found


def grants(deployed: dict[str, Any], function: str) -> dict[str, set[str]]:
    """action -> the logical ids of this stack's resources it is allowed on ("*" for any)."""
    role = deployed["Resources"][function]["Properties"]["Role"]["Fn::GetAtt"][0]
    allowed: dict[str, set[str]] = defaultdict(set)
    for statement in statements(deployed["Resources"][role]):
        for action in statement["actions"]:
            for resource in statement["resources"]:
                allowed[action] |= {"*"} if resource == "*" else refs(resource) - {"AWS::Partition", "AWS::Region"}
    return allowed


def test_no_managed_policies_and_no_generated_roles(deployed: dict[str, Any]) -> None:
    roles = of_type(deployed, "AWS::IAM::Role")
    functions = of_type(deployed, "AWS::Lambda::Function")
    assert {f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions.values()} == set(roles)
    assert len(roles) == len(functions) == 9  # one each, none shared
    for name, role in roles.items():
        assert "ManagedPolicyArns" not in role["Properties"], name
        assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ]
    assert not of_type(deployed, "AWS::IAM::ManagedPolicy") and not of_type(deployed, "AWS::IAM::Policy")


def test_no_star_resource_but_where_aws_requires_one(deployed: dict[str, Any]) -> None:
    for name, role in of_type(deployed, "AWS::IAM::Role").items():
        for statement in statements(role):
            assert all("*" not in a for a in statement["actions"]), (name, statement["actions"])
            assert not statement["actions"] & NEVER - PRIVACY.get(name, set()), (name, statement["actions"] & NEVER)
            if "*" in statement["resources"]:
                assert statement["actions"] <= STAR_ONLY, (name, statement["actions"])
            for resource in statement["resources"]:
                assert resource == "*" or refs(resource) - {"AWS::Partition", "AWS::Region", "AWS::AccountId"}, (
                    name,
                    resource,
                )


def given(function: dict[str, Any], suffix: str) -> set[str]:
    """The resources a function is handed in its environment (variables ending in ``suffix``)."""
    env = function["Properties"]["Environment"]["Variables"]
    return {v["Ref"] for k, v in env.items() if k.endswith(suffix)}


@pytest.mark.parametrize(
    ("suffix", "action"), [("_SECRET_ARN", "secretsmanager:GetSecretValue"), ("_QUEUE_URL", "sqs:SendMessage")]
)
def test_a_function_reads_only_the_secrets_and_sends_only_to_the_queues_it_is_given(
    deployed: dict[str, Any], suffix: str, action: str
) -> None:
    for name, function in of_type(deployed, "AWS::Lambda::Function").items():
        assert grants(deployed, name).get(action, set()) == given(function, suffix), name


def test_a_function_receives_only_from_its_own_queue(deployed: dict[str, Any]) -> None:
    sources: dict[str, set[str]] = defaultdict(set)
    for esm in of_type(deployed, "AWS::Lambda::EventSourceMapping").values():
        sources[esm["Properties"]["FunctionName"]["Ref"]].add(esm["Properties"]["EventSourceArn"]["Fn::GetAtt"][0])
    assert len(sources) == 5  # the four entity queues, and the settlement notifications
    for name in of_type(deployed, "AWS::Lambda::Function"):
        allowed = grants(deployed, name)
        for action in RECEIVING:
            expected = set(sources.get(name, set()))
            if name == "SyncContactsFunction" and action != "sqs:GetQueueAttributes":
                expected |= {"OrdersDLQ", "ContactsDLQ"}  # privacy requests remove a customer's dead letters
            if name == "ConsoleFunction":
                expected = {
                    "sqs:ReceiveMessage": DEAD_LETTERS,
                    "sqs:DeleteMessage": DEAD_LETTERS,
                    "sqs:GetQueueAttributes": CONSOLE_DEPTHS,
                }.get(action, set())
            assert allowed.get(action, set()) == expected, (name, action)


def test_tables_and_settings_only_where_named_and_only_the_calls_made(deployed: dict[str, Any]) -> None:
    for name, function in of_type(deployed, "AWS::Lambda::Function").items():
        env = function["Properties"]["Environment"]["Variables"]
        allowed = grants(deployed, name)
        tables = given(function, "_TABLE")
        pseudo = {"AWS::AccountId", "AWS::Partition", "AWS::Region"}  # in the ARN of a table named by parameter
        touched = {r for a, rs in allowed.items() if a.startswith("dynamodb:") for r in rs} - pseudo
        assert touched == tables, name
        if "SYNC_LOG_TABLE" in env and name not in ("SyncContactsFunction", "ConsoleFunction"):
            # the functions only write the sync log; the operator's CLI reads it (and the contacts
            # function, which carries privacy requests, redacts a customer's entries)
            assert {a for a, rs in allowed.items() if "SyncLogTable" in rs} == {"dynamodb:PutItem"}, name
        if "SETTINGS_PARAMETER" in env:
            assert allowed["ssm:GetParameter"] == {"AWS::AccountId", "AWS::StackName"}, name
        else:
            assert not any(a.startswith("ssm:") for a in allowed), name
    # the reverse lookup (Xero id -> store record) is the one query, on its index: for Xero's events,
    # and for the pull's write back of what Xero changed
    assert grants(deployed, "XeroEventsFunction")["dynamodb:Query"] == {"MappingsTable"}
    assert grants(deployed, "PullFunction")["dynamodb:Query"] == {"MappingsTable"}


def test_the_console_reads_the_sync_log_and_changes_only_its_own_items_there(deployed: dict[str, Any]) -> None:
    # it reads the log by record and by day and writes changes to it with who made them; its sign-in
    # links and sessions live in the same table (TTL), and only those keys may be read, updated or deleted
    role = deployed["Resources"]["ConsoleRole"]
    on_log = [
        statement
        for policy in role["Properties"]["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
        if "SyncLogTable" in str(statement.get("Resource"))
    ]
    open_calls = {a for s in on_log if "Condition" not in s for a in s["Action"]}
    assert open_calls == {"dynamodb:PutItem", "dynamodb:Query"}
    [own] = [s for s in on_log if "Condition" in s]
    assert set(own["Action"]) == {"dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
    assert own["Condition"] == {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["console#*"]}}
    allowed = grants(deployed, "ConsoleFunction")
    assert allowed["cloudformation:DescribeStacks"] == allowed["cloudformation:ListStackResources"] == {"AWS::StackId"}


def test_a_function_given_the_store_s_api_may_keep_its_access_token_in_the_mapping_table(
    deployed: dict[str, Any],
) -> None:
    # A store adapter that mints tokens (Shopify's client credentials) keeps them in the mapping
    # table (xerosync.aws.tokens.DynamoAccessTokens: GetItem, a conditional PutItem), so every
    # function that calls the store's API needs that table and those two calls on it, and no more.
    callers = [
        name
        for name, function in of_type(deployed, "AWS::Lambda::Function").items()
        if "StoreApiSecret" in given(function, "_SECRET_ARN")
    ]
    assert sorted(callers) == [
        "ConsoleFunction",  # push, reconcile now, a day's drift, a record's page
        "PullFunction",
        "ReconcileFunction",
        "SettlementsFunction",
        "SyncContactsFunction",  # a store whose webhooks only name the record (Zoho CRM) is read
        "SyncItemsFunction",  # through its API by the sync that handles it
        "SyncOrdersFunction",
        "XeroEventsFunction",
    ]
    for name in callers:
        function = of_type(deployed, "AWS::Lambda::Function")[name]
        assert "MappingsTable" in given(function, "_TABLE"), name
        allowed = grants(deployed, name)
        assert "MappingsTable" in allowed["dynamodb:GetItem"] and "MappingsTable" in allowed["dynamodb:PutItem"], name


def test_logs_go_only_to_the_functions_own_group(deployed: dict[str, Any]) -> None:
    for name, function in of_type(deployed, "AWS::Lambda::Function").items():
        group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        allowed = grants(deployed, name)
        assert allowed["logs:CreateLogStream"] == allowed["logs:PutLogEvents"] == {group}, name
        assert not {a for a in allowed if a.startswith("logs:")} - {"logs:CreateLogStream", "logs:PutLogEvents"}


def test_only_the_console_and_an_amazon_stack_s_settlements_write_secrets(deployed: dict[str, Any]) -> None:
    # the console's Connect page stores the Xero consent and the store's credentials entered once;
    # an Amazon stack's settlements function stores a renewed LWA client secret; nothing else writes one
    writers = {
        name: grants(deployed, name)["secretsmanager:PutSecretValue"]
        for name in of_type(deployed, "AWS::Lambda::Function")
        if grants(deployed, name).get("secretsmanager:PutSecretValue")
    }
    assert writers == {
        "ConsoleFunction": {"StoreApiSecret", "XeroCredentialsSecret"},
        "SettlementsFunction": {"StoreApiSecret"},
    }
