"""The DepsLayer's botocore is trimmed at build to the services of
layers/deps/botocore-services.txt (layers/deps/trim_botocore.py), and make deploy-check refuses a
trimmed botocore that lacks a listed service, keeps another, or ships a model compressed
(deploy/botocore_data.py). Here on a copy of this environment's botocore (pure Python)."""

import gzip
import importlib.util
import shutil
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


def test_a_service_missing_from_botocore_stops_the_build(layer: Path) -> None:
    with pytest.raises(SystemExit, match="no botocore model for nosuchservice"):
        trimmer().trim(layer, [*listed(), "nosuchservice"])
