"""The one boto3 session every xerosync client comes from (xerosync.aws.session): from the
DepsLayer's trimmed botocore it registers only the built-in handlers of the services it holds,
and each of their calls meets the same handlers, in the same order, as from a stock session;
from any other botocore it registers every one. Its data is read into plain dicts, equal to
botocore's own reading."""

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import boto3
import botocore
import botocore.session
import pytest

from deploy.botocore_data import listed
from tests.unit.test_botocore_trim import layer, trimmer
from xerosync import aws

__all__ = ["layer"]  # the fixture, from test_botocore_trim

# every handler that an API call, a client's creation or its attributes may meet, by event name,
# for each service and operation: compared between the two sessions
PROBE = """
import json, sys
import boto3, botocore.session, botocore.handlers
from xerosync import aws

ours = aws.session()._session
stock = boto3.session.Session()._session  # what boto3.client() makes its clients from

def name(handler):
    return getattr(handler, "__qualname__", None) or type(handler).__qualname__

def met(session, event):
    events = session._events
    return [name(h) for h in events._emitter._handlers.prefix_search(events._alias_event_name(event))]

kinds = sorted({spec[0].split(".")[0] for spec in botocore.handlers.BUILTIN_HANDLERS} | {
    "provide-client-params", "before-parameter-build", "before-call", "request-created", "choose-signer",
    "before-sign", "before-send", "needs-retry", "after-call", "after-call-error", "before-parse", "getattr",
})
differ, compared = [], 0
for service in sys.argv[1:]:
    sid = aws.EVENT_NAMES[service]
    operations = stock.get_service_model(service).operation_names
    for kind in kinds:
        for event in [f"{kind}.{sid}", *(f"{kind}.{sid}.{op}" for op in operations)]:
            compared += 1
            if met(ours, event) != met(stock, event):
                differ.append(event)
# and each kept built-in handler's own event, under the name botocore's aliases give it
for spec in botocore.handlers.BUILTIN_HANDLERS:
    parts = spec[0].split(".")
    if len(parts) == 1 or parts[0] == "docs" or parts[1] == "*" or parts[1] in (ours.services or [parts[1]]):
        compared += 1
        if met(ours, spec[0]) != met(stock, spec[0]):
            differ.append(spec[0])
client = aws.client("dynamodb")
S3 = "before-parameter-build.s3.PutObject"
print(json.dumps({
    "services": sorted(ours.services or []),
    "differ": differ,
    "compared": compared,
    "s3": [len(met(ours, S3)), len(met(stock, S3))],
    "endpoint": client.meta.endpoint_url,
}))
"""


def test_event_names_are_the_listed_services_by_their_hyphenized_service_ids() -> None:
    session = botocore.session.get_session()
    assert sorted(aws.EVENT_NAMES) == listed()  # layers/deps/botocore-services.txt
    for service, event_name in aws.EVENT_NAMES.items():
        assert session.get_service_model(service).service_id.hyphenize() == event_name


def test_from_the_whole_botocore_every_builtin_handler_is_registered() -> None:
    # Given this environment's botocore, with every service's data
    # When the session is made
    ours = aws.session()._session
    # Then it registers every built-in handler, as a stock session does
    assert aws._event_names() is None and ours.services is None
    stock = boto3.session.Session()._session
    for spec in botocore.handlers.BUILTIN_HANDLERS:
        event = ours._events._alias_event_name(spec[0])
        assert named(ours._events._emitter._handlers.prefix_search(event)) == named(
            stock._events._emitter._handlers.prefix_search(event)
        ), event


def named(handlers: list[object]) -> list[str]:
    """Handlers by name (boto3 makes its lazily imported ones afresh for each session)."""
    return [getattr(h, "__qualname__", None) or type(h).__qualname__ for h in handlers]


@pytest.fixture
def trimmed(layer: Path) -> Path:
    """The layer trimmed as the DepsLayer is, with boto3 and s3transfer beside botocore."""
    trimmer().trim(layer, listed())
    for package in ("boto3", "s3transfer"):
        spec = importlib.util.find_spec(package)
        assert spec and spec.origin
        source = Path(spec.origin).parent
        shutil.copytree(source, layer / source.name, ignore=shutil.ignore_patterns("__pycache__"))
    return layer


def probe(layer: Path, *services: str, env: dict[str, str] | None = None) -> dict[str, object]:
    import json

    shared = Path(aws.__file__).parents[2]
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON"))}
    environment = {**base, "PYTHONPATH": f"{layer}{os.pathsep}{shared}", "PYTHONDONTWRITEBYTECODE": "1"}
    environment |= {"AWS_DEFAULT_REGION": "eu-west-2", "AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y"}
    environment |= env or {}
    done = subprocess.run(
        [sys.executable, "-S", "-c", PROBE, *services], env=environment, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def test_from_the_trimmed_botocore_each_call_meets_the_same_handlers_and_no_other_services(trimmed: Path) -> None:
    # Given the DepsLayer's botocore, trimmed to the listed services
    # When the session is made, beside a stock one, and a DynamoDB client from it
    found = probe(trimmed, *listed())
    # Then it knows which services it holds, registers no handler of another service's (S3's),
    assert found["services"] == sorted(aws.EVENT_NAMES.values())
    assert found["s3"][0] < found["s3"][1]  # type: ignore[index]  # what every service's calls meet, and S3's own
    # and every event of each listed service's calls and client meets the same handlers, in order
    assert found["differ"] == [] and found["compared"] > 1000  # type: ignore[operator]
    assert found["endpoint"] == "https://dynamodb.eu-west-2.amazonaws.com"


def test_a_data_path_that_adds_models_keeps_every_handler(trimmed: Path, tmp_path: Path) -> None:
    # Given the trimmed botocore and a data path (which may add any service's model)
    models = tmp_path / "models"
    models.mkdir()
    # When the session is made
    found = probe(trimmed, "dynamodb", env={"AWS_DATA_PATH": str(models)})
    # Then it registers every handler, as a stock session does
    assert found["services"] == [] and found["s3"][0] == found["s3"][1] > 0  # type: ignore[index]
    assert found["differ"] == []


DATA = """
import json
import boto3
from xerosync import aws

ours = aws.session()._session.get_component("data_loader")
stock = boto3.session.Session()._session.get_component("data_loader")
found = {}
for name in ("endpoints", "partitions", "sdk-default-configuration"):
    found[name] = [ours.load_data(name) == stock.load_data(name), type(ours.load_data(name)) is dict]
model = ours.load_service_model("dynamodb", "service-2")
theirs = stock.load_service_model("dynamodb", "service-2")
found["dynamodb"] = [model == theirs, type(model["shapes"]["AttributeValue"]) is dict]
found["order"] = [list(model["operations"]) == list(theirs["operations"]), True]
print(json.dumps(found))
"""


def test_the_data_is_read_into_plain_dicts_equal_to_botocores_reading() -> None:
    """In a fresh interpreter, as a function's: in this one, other tests' moto and sessions have
    been through botocore's data before (a parallel run once saw partitions that differed)."""
    import json

    shared = Path(aws.__file__).parents[2]
    base = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON"))}
    environment = {**base, "PYTHONPATH": str(shared), "PYTHONDONTWRITEBYTECODE": "1", "AWS_DEFAULT_REGION": "eu-west-2"}
    # Given the session's loader and botocore's own, when each reads the same data
    done = subprocess.run([sys.executable, "-c", DATA], env=environment, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    # Then ours is plain dicts, equal to botocore's reading, the operations in botocore's order
    assert json.loads(done.stdout) == {
        name: [True, True] for name in ("endpoints", "partitions", "sdk-default-configuration", "dynamodb", "order")
    }


# --- credentials: the environment's, resolved as botocore's chain would, without building it -----
CREDENTIAL_CASES = {
    "Lambda's: key, secret and session token": {
        "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_SESSION_TOKEN": "token",
    },
    "with an expiry: refreshable": {
        "AWS_ACCESS_KEY_ID": "ASIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_SESSION_TOKEN": "token",
        "AWS_CREDENTIAL_EXPIRATION": "2099-01-01T00:00:00Z",
    },
    "the older token variable, a profile named by the environment": {
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_SECURITY_TOKEN": "older",
        "AWS_PROFILE": "elsewhere",
    },
}


@pytest.fixture
def no_credentials_but(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """An environment with no credentials anywhere botocore looks (no files, no instance metadata)."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    (tmp_path / "config").write_text("[profile elsewhere]\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-2")
    return monkeypatch


def described(credentials: object) -> tuple[object, ...]:
    frozen = credentials.get_frozen_credentials()  # type: ignore[attr-defined]
    return type(credentials).__name__, credentials.method, frozen.access_key, frozen.secret_key, frozen.token  # type: ignore[attr-defined]


@pytest.mark.parametrize("case", CREDENTIAL_CASES)
def test_the_environments_credentials_are_botocores_without_its_chain(
    no_credentials_but: pytest.MonkeyPatch, case: str
) -> None:
    # Given credentials in the environment, as Lambda gives a function its role's
    for name, value in CREDENTIAL_CASES[case].items():
        no_credentials_but.setenv(name, value)
    # When the session is made
    ours = aws.session.__wrapped__()._session
    # Then its credentials are those botocore's chain finds, of the same kind and method
    assert described(ours.get_credentials()) == described(botocore.session.Session().get_credentials())
    # resolved by the environment's provider alone: the chain's other providers are not built
    resolver = ours.get_component("credential_provider")
    assert [type(p).__name__ for p in resolver.providers] == ["EnvProvider"]


def test_without_credentials_in_the_environment_botocores_whole_chain_resolves(
    no_credentials_but: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Given no credentials in the environment, and a shared credentials file holding some
    (tmp_path / "credentials").write_text("[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = fromfile\n")
    # When the session is made
    ours = aws.session.__wrapped__()._session
    # Then botocore's own chain finds them, as a stock session's does
    assert described(ours.get_credentials()) == described(botocore.session.Session().get_credentials())
    assert ours.get_credentials().method == "shared-credentials-file"
    assert len(ours.get_component("credential_provider").providers) > 1
