"""The DepsLayer's botocore is trimmed at build to the services of
layers/deps/botocore-services.txt (layers/deps/trim_botocore.py), and make deploy-check refuses a
trimmed botocore that lacks a listed service, keeps another, or ships a model compressed
(deploy/botocore_data.py). Here on a copy of this environment's botocore (pure Python)."""

import gzip
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import botocore
import pytest

from deploy.botocore_data import check_botocore, listed
from local.sam import ROOT


def trimmer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("trim_botocore", ROOT / "layers" / "deps" / "trim_botocore.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def layer(tmp_path: Path) -> Path:
    """A layer's python folder: botocore with the listed services and one more (s3), and what it needs."""
    site = tmp_path / "DepsLayer" / "python"
    source = Path(botocore.__file__).parent
    keep = {*listed(), "s3"}

    def skip(folder: str, names: list[str]) -> set[str]:
        if Path(folder) == source / "data":
            return {n for n in names if (source / "data" / n).is_dir() and n not in keep}
        return {n for n in names if n == "__pycache__"}

    shutil.copytree(source, site / "botocore", ignore=skip)
    for name in ("jmespath", "dateutil", "urllib3", "six"):  # botocore's own dependencies
        spec = importlib.util.find_spec(name)
        assert spec and spec.origin
        origin = Path(spec.origin)
        if origin.name == "__init__.py":
            shutil.copytree(origin.parent, site / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(origin, site)
    return site


def test_the_trimmed_botocore_keeps_the_listed_services_decompressed_and_creates_their_clients(layer: Path) -> None:
    data = layer / "botocore" / "data"
    assert (data / "dynamodb" / "2012-08-10" / "service-2.json.gz").exists()
    removed, dropped = trimmer().trim(layer, listed())
    assert removed == 1 and dropped > 0  # s3, and every partition's entries of the services dropped
    assert sorted(p.name for p in data.iterdir() if p.is_dir()) == listed()
    assert not list(data.rglob("*.json.gz")) and (data / "dynamodb" / "2012-08-10" / "service-2.json").exists()
    assert (data / "endpoints.json").stat().st_size < 200_000  # from 1.2 MB
    assert check_botocore(layer) == []


def test_the_trimmed_models_keep_no_documentation_and_answer_an_empty_one(layer: Path) -> None:
    # Given botocore's DynamoDB model, with its documentation
    source = Path(botocore.__file__).parent / "data" / "dynamodb" / "2012-08-10"
    whole = json.loads(gzip.decompress((source / "service-2.json.gz").read_bytes()))
    assert whole["operations"]["GetItem"]["documentation"]
    # When the layer is trimmed
    trimmer().trim(layer, listed())
    model = layer / "botocore" / "data" / "dynamodb" / "2012-08-10" / "service-2.json"
    trimmed = json.loads(model.read_bytes())
    # Then the model is the same without any documentation string, a fifth of the size
    assert "documentation" not in json.dumps(trimmed) and model.stat().st_size < len(json.dumps(whole)) / 3
    assert (
        trimmed["operations"].keys() == whole["operations"].keys()
        and trimmed["shapes"].keys() == whole["shapes"].keys()
    )
    assert trimmer().undocumented(whole) == trimmed
    # And a client from the layer reads it: what it needs is there, the documentation is ""
    probe = (
        "import botocore.session as s; c = s.get_session().create_client('dynamodb', region_name='eu-west-2', "
        "aws_access_key_id='x', aws_secret_access_key='y'); op = c.meta.service_model.operation_model('GetItem'); "
        "print(repr(op.documentation), op.input_shape.members['Key'].type_name, c.meta.endpoint_url)"
    )
    env = {"PYTHONPATH": str(layer), "PYTHONDONTWRITEBYTECODE": "1", "PATH": os.environ.get("PATH", "")}
    done = subprocess.run([sys.executable, "-S", "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["''", "map", "https://dynamodb.eu-west-2.amazonaws.com"]


def test_a_member_named_documentation_stays() -> None:
    shape = {
        "documentation": "<p>A shape.</p>",
        "members": {"documentation": {"shape": "String", "documentation": "x"}},
    }
    assert trimmer().undocumented(shape) == {"members": {"documentation": {"shape": "String"}}}


def test_a_listed_service_the_layer_lacks_or_cannot_load_fails(layer: Path) -> None:
    trimmer().trim(layer, listed())
    shutil.rmtree(layer / "botocore" / "data" / "sqs")
    assert check_botocore(layer) == ["DepsLayer: botocore lacks sqs (botocore-services.txt)"]
    model = next((layer / "botocore" / "data" / "ssm").glob("*/service-2.json"))
    model.unlink()
    [problem] = check_botocore(layer, [s for s in listed() if s != "sqs"])
    assert problem.startswith("DepsLayer: a client cannot be created from the layer's botocore: ")
    assert "UnknownServiceError" in problem


def test_an_untrimmed_or_compressed_botocore_fails(layer: Path) -> None:
    problems = check_botocore(layer)
    assert problems[0] == "DepsLayer: botocore ships 1 services not in botocore-services.txt (s3, ...)"
    assert "is compressed (gunzipped at every cold start)" in problems[1]
    trimmer().trim(layer, listed())
    model = next((layer / "botocore" / "data" / "dynamodb").glob("*/service-2.json"))
    model.with_suffix(".json.gz").write_bytes(gzip.compress(model.read_bytes()))
    model.unlink()
    [problem] = check_botocore(layer)
    assert problem.startswith("DepsLayer: dynamodb/") and problem.endswith(
        "is compressed (gunzipped at every cold start)"
    )


def test_a_documented_model_fails(layer: Path) -> None:
    trimmer().trim(layer, listed())
    model = next((layer / "botocore" / "data" / "sqs").glob("*/service-2.json"))
    shapes = json.loads(model.read_bytes())
    shapes["documentation"] = "<p>Welcome to the Amazon SQS API Reference.</p>"
    model.write_text(json.dumps(shapes))
    [problem] = check_botocore(layer)
    assert problem.startswith("DepsLayer: sqs/") and problem.endswith(
        "keeps its documentation (decoded at every cold start)"
    )


def test_a_service_missing_from_botocore_stops_the_build(layer: Path) -> None:
    with pytest.raises(SystemExit, match="no botocore model for nosuchservice"):
        trimmer().trim(layer, [*listed(), "nosuchservice"])
