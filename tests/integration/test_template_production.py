"""What real AWS does with template.yaml and moto does not (issue 19): updates that must keep the
merchant's data, parameter values AWS refuses, least privilege, the public endpoint's limits,
log retention. Checked on the template as written and on its samtranslator output (what
CloudFormation deploys)."""

import json
import re
from itertools import product
from typing import Any

import pytest

from local.sam import load

# --- helpers -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def source() -> dict[str, Any]:
    return load().source


@pytest.fixture(scope="module")
def deployed() -> dict[str, Any]:
    return load().cloudformation


def of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}


def refs(value: Any) -> set[str]:
    """Every name a value refers to (Ref, GetAtt and ${...} in Sub)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref":
                found.add(str(inner))
            elif key == "Fn::GetAtt":
                found.add(str(inner[0] if isinstance(inner, list) else inner).split(".")[0])
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) else inner
                found |= {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text)}
                if isinstance(inner, list):
                    found |= refs(inner[1])
            else:
                found |= refs(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= refs(inner)
    return found


# --- 2. updates never wipe the merchant's data or settings ----------------------------------------


def test_tables_and_secrets_survive_deletion_and_replacement(source: dict[str, Any]) -> None:
    kept = {**of_type(source, "AWS::DynamoDB::Table"), **of_type(source, "AWS::SecretsManager::Secret")}
    assert len(kept) == 7
    for name, res in kept.items():
        assert (res.get("DeletionPolicy"), res.get("UpdateReplacePolicy")) == ("Retain", "Retain"), name


def test_the_settings_are_never_written_by_the_stack(source: dict[str, Any]) -> None:
    # CloudFormation writes an SSM parameter's whole Value on any update of the resource
    assert not of_type(source, "AWS::SSM::Parameter")
    name = {"Fn::Sub": "/xerosync/${AWS::StackName}/settings"}
    for function in of_type(source, "AWS::Serverless::Function").values():
        env = function["Properties"].get("Environment", {}).get("Variables", {})
        if "SETTINGS_PARAMETER" in env:
            assert env["SETTINGS_PARAMETER"] == name
    assert source["Outputs"]["SettingsParameterName"]["Value"] == name


def test_no_parameter_change_rewrites_a_secret(source: dict[str, Any]) -> None:
    parameters = set(source["Parameters"])
    for name, secret in of_type(source, "AWS::SecretsManager::Secret").items():
        for key in ("SecretString", "GenerateSecretString"):
            assert not refs(secret["Properties"].get(key)) & parameters, f"{name}.{key}"


def test_the_settings_read_as_the_defaults_until_the_merchant_writes_them(endpoint: str) -> None:
    from xerosync.aws import parameters
    from xerosync.config import StoreSettings, parse_settings

    text = parameters.get_parameter("/xerosync/never-written/settings")
    assert parse_settings(text) == StoreSettings()


# --- 6. parameter values AWS refuses are refused before anything is created ---------------------


def evaluate(node: Any, values: dict[str, str]) -> Any:
    """CloudFormation's rule functions (the ones the template uses; any other fails the test)."""
    if isinstance(node, list):
        return [evaluate(n, values) for n in node]
    if not isinstance(node, dict):
        return str(node)
    [(fn, arg)] = node.items()
    match fn:
        case "Ref":
            return values[arg]
        case "Fn::Equals":
            a, b = evaluate(arg, values)
            return a == b
        case "Fn::Not":
            return not evaluate(arg[0], values)
        case "Fn::And":
            return all(evaluate(a, values) for a in arg)
        case "Fn::Or":
            return any(evaluate(a, values) for a in arg)
        case "Fn::Contains":
            return evaluate(arg[1], values) in evaluate(arg[0], values)
    raise AssertionError(f"rule function {fn} not known to this test")


def accepted(template: dict[str, Any], overrides: dict[str, Any]) -> bool:
    values = {k: str(p.get("Default", "")) for k, p in template["Parameters"].items()}
    values.update({k: str(v) for k, v in overrides.items()})
    for rule in template.get("Rules", {}).values():
        if "RuleCondition" in rule and not evaluate(rule["RuleCondition"], values):
            continue
        if not all(evaluate(a["Assert"], values) for a in rule["Assertions"]):
            return False
    return True


def test_the_rules_reach_cloudformation(source: dict[str, Any], deployed: dict[str, Any]) -> None:
    assert deployed["Rules"] == source["Rules"] and len(source["Rules"]) >= 2


def test_the_defaults_and_the_chaos_run_pass_the_rules(deployed: dict[str, Any]) -> None:
    assert accepted(deployed, {})
    assert accepted(deployed, {"SyncTimeout": 20, "QueueVisibilityTimeout": 30, "SyncBatchWindow": 1})


def test_a_large_batch_needs_a_batching_window(deployed: dict[str, Any]) -> None:
    assert not accepted(deployed, {"SyncBatchWindow": 0})  # default batch size 100
    windows = range(0, 301)
    sizes = range(1, 201)
    for window, size in product(windows, sizes):
        want = window > 0 or size <= 10  # Lambda: a batch above 10 needs a window of 1 s or more
        assert accepted(deployed, {"SyncBatchWindow": window, "SyncBatchSize": size}) == want, (window, size)


def test_the_visibility_timeout_covers_the_function_timeout(deployed: dict[str, Any]) -> None:
    assert not accepted(deployed, {"QueueVisibilityTimeout": 60})  # default SyncTimeout 120
    parameters = deployed["Parameters"]
    for timeout, visibility in product(
        parameters["SyncTimeout"]["AllowedValues"], parameters["QueueVisibilityTimeout"]["AllowedValues"]
    ):
        want = visibility >= timeout  # Lambda refuses an SQS source hidden for less than the function may run
        got = accepted(deployed, {"SyncTimeout": timeout, "QueueVisibilityTimeout": visibility})
        assert got == want, (timeout, visibility)


def test_every_sqs_source_runs_within_its_queues_visibility(source: dict[str, Any]) -> None:
    # the rules cover only what the parameters set: the functions reading queues use SyncTimeout
    queues = of_type(source, "AWS::SQS::Queue")
    for name, function in of_type(source, "AWS::Serverless::Function").items():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] == "SQS":
                queue = event["Properties"]["Queue"]["Fn::GetAtt"][0]
                if "Timeout" in function["Properties"]:  # a fixed timeout (the settlements poll): a fixed visibility
                    timeout = function["Properties"]["Timeout"]
                    if isinstance(timeout, dict):  # a parameter: the largest value it allows
                        timeout = max(int(v) for v in source["Parameters"][timeout["Ref"]]["AllowedValues"])
                    assert queues[queue]["Properties"]["VisibilityTimeout"] >= 6 * timeout, name
                    continue
                assert queues[queue]["Properties"]["VisibilityTimeout"] == {"Ref": "QueueVisibilityTimeout"}
    assert source["Globals"]["Function"]["Timeout"] == {"Ref": "SyncTimeout"}


# --- 9. the public endpoint ------------------------------------------------------------------------


def test_the_api_stage_is_throttled_and_logged(deployed: dict[str, Any]) -> None:
    [stage] = of_type(deployed, "AWS::ApiGatewayV2::Stage").values()
    route = stage["Properties"]["DefaultRouteSettings"]
    assert route["ThrottlingRateLimit"] == {"Ref": "ApiThrottleRate"}
    assert route["ThrottlingBurstLimit"] == {"Ref": "ApiThrottleBurst"}
    logs = stage["Properties"]["AccessLogSettings"]
    assert logs["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogs", "Arn"]}
    fields = json.loads(logs["Format"])
    assert {"requestId", "ip", "status", "route"} <= set(fields)
    assert deployed["Resources"]["ApiAccessLogs"]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_the_ingress_has_reserved_concurrency(deployed: dict[str, Any]) -> None:
    ingress = deployed["Resources"]["IngressFunction"]["Properties"]
    assert ingress["ReservedConcurrentExecutions"] == {
        "Fn::If": ["ReservesIngress", {"Ref": "IngressReservedConcurrency"}, {"Ref": "AWS::NoValue"}]
    }
    assert deployed["Parameters"]["IngressReservedConcurrency"]["Default"] > 0
    for name, function in of_type(deployed, "AWS::Lambda::Function").items():
        if name != "IngressFunction":
            assert "ReservedConcurrentExecutions" not in function["Properties"], name


@pytest.mark.parametrize("parameter", ["XeroApiUrl", "XeroIdentityUrl", "PublicApiUrl"])
def test_urls_that_credentials_travel_to_are_https(source: dict[str, Any], parameter: str) -> None:
    pattern = re.compile(source["Parameters"][parameter]["AllowedPattern"])
    assert pattern.fullmatch(source["Parameters"][parameter]["Default"])
    for good in ("https://api.xero.com", "https://shop.example.com.au/xero", "http://127.0.0.1:8123"):
        assert pattern.fullmatch(good), good
    for bad in (
        "http://api.xero.com",
        "http://shop.example",
        "ftp://x",
        "https://",
        "api.xero.com",
        "http://127.0.0.1.evil",
    ):
        assert not pattern.fullmatch(bad), bad


# --- 10. logs are kept for LogRetentionDays ------------------------------------------------------


def test_every_function_logs_to_its_own_group_kept_for_the_retention(deployed: dict[str, Any]) -> None:
    groups = of_type(deployed, "AWS::Logs::LogGroup")
    functions = of_type(deployed, "AWS::Lambda::Function")
    assert len(functions) == 9
    for name, function in functions.items():
        group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert groups[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name
        assert function["Properties"]["LoggingConfig"]["LogFormat"] == "JSON"
    parameters = deployed["Parameters"]
    assert parameters["LogRetentionDays"]["Default"] == parameters["SyncLogDays"]["Default"] == 30
