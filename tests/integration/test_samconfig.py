"""samconfig.toml holds the defaults a merchant's `sam deploy --guided` starts from (issue 19,
item 15), and every value in it is one the template accepts."""

import re
import shlex
import tomllib
from typing import Any

from local.sam import ROOT, load


def config() -> dict[str, Any]:
    return tomllib.loads((ROOT / "samconfig.toml").read_text())["default"]


def test_deploy_defaults() -> None:
    deploy = config()["deploy"]["parameters"]
    assert deploy["capabilities"] == "CAPABILITY_IAM"  # no named roles: nothing more is needed
    assert deploy["confirm_changeset"] is True and deploy["resolve_s3"] is True
    assert config()["build"]["parameters"]["cached"] is False  # layers/Makefile is outside the cache key
    assert "region" not in deploy  # the merchant chooses


def test_every_parameter_override_is_one_the_template_accepts() -> None:
    parameters = load().source["Parameters"]
    overrides = dict(
        item.split("=", 1) for item in shlex.split(config()["deploy"]["parameters"]["parameter_overrides"])
    )
    assert "StoreName" in overrides and "AlertEmail" in overrides
    for name, value in overrides.items():
        spec = parameters[name]
        if "AllowedPattern" in spec:
            assert re.fullmatch(spec["AllowedPattern"], value), name
        if "AllowedValues" in spec:
            assert value in [str(v) for v in spec["AllowedValues"]], name
        if spec["Type"] == "Number":
            number = float(value)
            assert spec.get("MinValue", number) <= number <= spec.get("MaxValue", number), name
    # a parameter without a default must be answered: samconfig gives it one to start from
    assert all(name in overrides for name, spec in parameters.items() if "Default" not in spec)
