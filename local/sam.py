"""template.yaml, read the way AWS reads it: SAM-transformed into plain CloudFormation.

Used by the local runner (which deploys the output into moto's CloudFormation) and by the
template tests (which cfn-lint the output: cfn-lint on template.yaml alone misses errors
inside SAM event sources, which it reads only as SAM's schema describes them).
"""

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from samtranslator.metrics.metrics import Metrics
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.utils.py27hash_fix import to_py27_compatible_template, undo_mark_unicode_str_in_template
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
CODE_BUCKET = "xerosync-local-code"


def transform(template: dict[str, Any], region: str) -> dict[str, Any]:
    """``samtranslator``'s transform, offline: a fixed region and no IAM lookups (it asks IAM
    only for managed policies named in ``Policies``, and we name none)."""
    parameters: dict[str, Any] = {"AWS::Region": region}
    to_py27_compatible_template(template, parameters)
    # Its own usage metrics go to a publisher that drops them; publishing them here keeps it
    # from warning "There are unpublished metrics" when the translator is collected.
    metrics = Metrics()
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=region), metrics=metrics)
    translated = translator.translate(template, parameter_values=parameters, get_managed_policy_map=lambda: {})
    metrics.publish()
    return dict(undo_mark_unicode_str_in_template(translated))


@dataclass(frozen=True)
class Template:
    source: dict[str, Any]  # template.yaml as written
    cloudformation: dict[str, Any]  # after the SAM transform
    code_paths: dict[str, Path]  # logical id -> local folder of each function and layer


# The transform of each (file, text, region) already made in this process: a test run starts a
# couple of dozen local stacks from the same template.yaml, each transform ~0.6 s of CPU.
_loaded: dict[tuple[Path, str, str], Template] = {}


def load(path: Path = TEMPLATE, region: str = "us-east-1") -> Template:
    """The template at ``path`` as written and SAM-transformed; each caller gets its own copy."""
    text = path.read_text()
    key = (path.resolve(), text, region)
    if key not in _loaded:
        _loaded[key] = _load(path, text, region)
    return copy.deepcopy(_loaded[key])


def _load(path: Path, text: str, region: str) -> Template:
    source = yaml_parse(text)
    working = yaml_parse(text)
    code_paths: dict[str, Path] = {}
    for logical_id, res in working.get("Resources", {}).items():
        props = res.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if res["Type"] in ("AWS::Serverless::Function", "AWS::Serverless::LayerVersion") and isinstance(
                props.get(key), str
            ):
                code_paths[logical_id] = (path.parent / props[key]).resolve()
                props[key] = f"s3://{CODE_BUCKET}/{logical_id}.zip"
    cloudformation = transform(working, region)
    return Template(source=source, cloudformation=cloudformation, code_paths=code_paths)


@dataclass(frozen=True)
class HttpRoute:
    function: str  # logical id
    method: str
    path: str


def http_routes(template: Template) -> list[HttpRoute]:
    """The HttpApi routes of each function, as declared in template.yaml."""
    routes = []
    for logical_id, res in template.source.get("Resources", {}).items():
        if res["Type"] != "AWS::Serverless::Function":
            continue
        for event in (res.get("Properties", {}).get("Events") or {}).values():
            if event.get("Type") == "HttpApi":
                props = event.get("Properties", {})
                routes.append(HttpRoute(logical_id, str(props.get("Method", "ANY")).upper(), props.get("Path", "/")))
    return routes
