"""The DepsLayer ships botocore's data for the services in layers/deps/botocore-services.txt only
(layers/deps/trim_botocore.py): a client for any other service would fail on Lambda with
UnknownServiceError, and nowhere else (the tests run on the dev environment's whole botocore).
So every client the code can create is found here, statically, and must be listed."""

import ast
from pathlib import Path

from local.sam import ROOT

LISTED = ROOT / "layers" / "deps" / "botocore-services.txt"
SOURCES = (ROOT / "shared", ROOT / "functions")
MAKERS = {"client", "resource", "create_client"}  # boto3.client/resource, a Session's, botocore's
# the one place a service name arrives as a variable: xerosync.aws.client(service), whose callers
# pass it literally (and are scanned as any other call)
HELPERS = {("shared/xerosync/aws/__init__.py", "client")}
# Powertools utilities that create their own boto3 clients when given none
POWERTOOLS = {
    "aws_lambda_powertools.utilities.idempotency": {"dynamodb"},
    "aws_lambda_powertools.utilities.parameters": {"ssm", "secretsmanager", "appconfigdata", "dynamodb"},
    "aws_lambda_powertools.utilities.feature_flags": {"appconfigdata"},
    "aws_lambda_powertools.utilities.streaming": {"s3"},
    "aws_lambda_powertools.utilities.data_masking": {"kms"},
}


def listed() -> set[str]:
    lines = (line.split("#", 1)[0].strip() for line in LISTED.read_text().splitlines())
    return {line for line in lines if line}


def scan(source: str, where: str) -> tuple[set[str], list[str]]:
    """(services the module creates clients for, calls whose service is not a literal)."""
    tree = ast.parse(source)
    services: set[str] = set()
    unresolved: list[str] = []
    imports_sdk = False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            imports_sdk |= any(n.split(".")[0] in ("boto3", "botocore") for n in names)
            for name in names:
                for module, used in POWERTOOLS.items():
                    if name == module or name.startswith(module + "."):
                        services |= used
    helpers = {name for path, name in HELPERS if path == where}
    exempt = {
        id(call)
        for func in ast.walk(tree)
        if isinstance(func, ast.FunctionDef) and func.name in helpers
        for call in ast.walk(func)
    }
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call):
            continue
        name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
        if name not in MAKERS:
            continue
        given = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "service_name"), None)
        if isinstance(given, ast.Constant) and isinstance(given.value, str):
            services.add(given.value)
        elif imports_sdk and id(call) not in exempt:
            unresolved.append(f"{where}:{call.lineno}: {ast.unparse(call)[:80]}")
    return services, unresolved


def scan_code() -> tuple[set[str], list[str]]:
    services: set[str] = set()
    unresolved: list[str] = []
    for root in SOURCES:
        for path in sorted(root.rglob("*.py")):
            found, loose = scan(path.read_text(), path.relative_to(ROOT).as_posix())
            services |= found
            unresolved += loose
    return services, unresolved


def test_every_client_the_code_creates_is_in_the_trimmed_layer() -> None:
    services, unresolved = scan_code()
    assert unresolved == [], "a client whose service the scan cannot read: pass the name literally"
    assert {"dynamodb", "sqs", "secretsmanager", "ssm"} <= services  # the scan sees the code's clients
    missing = services - listed()
    assert not missing, f"add {sorted(missing)} to layers/deps/botocore-services.txt (the DepsLayer drops them)"


def test_the_scan_finds_clients_made_directly_through_helpers_and_powertools() -> None:
    direct = "import boto3\ns3 = boto3.client('s3')\nq = boto3.resource(service_name='sqs')\n"
    assert scan(direct, "x.py") == ({"s3", "sqs"}, [])
    helper = "from xerosync.aws import client\nclient('kinesis').put_record()\n"
    assert scan(helper, "y.py") == ({"kinesis"}, [])
    tools = "from aws_lambda_powertools.utilities.parameters import get_parameter\n"
    assert scan(tools, "z.py")[0] == {"ssm", "secretsmanager", "appconfigdata", "dynamodb"}


def test_a_client_whose_service_is_a_variable_is_refused_outside_the_helper() -> None:
    code = "import boto3\ndef make(name):\n    return boto3.client(name)\n"
    assert scan(code, "x.py") == (set(), ["x.py:3: boto3.client(name)"])
    helper = "import boto3\ndef client(service):\n    return boto3.client(service)\n"
    assert scan(helper, "shared/xerosync/aws/__init__.py") == (set(), [])
    # a store's API client (no boto3 in the module) is not an AWS client
    assert scan("client = source.client(secrets, tokens)\n", "w.py") == (set(), [])


def test_the_list_names_botocore_services_only() -> None:
    import botocore.session

    known = set(botocore.session.get_session().get_available_services())
    assert listed() <= known, sorted(listed() - known)
    assert Path(LISTED).read_text().endswith("\n")
