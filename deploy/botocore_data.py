"""The built DepsLayer's botocore, trimmed to the services the code calls (layers/deps/trim_botocore.py),
checked by ``make deploy-check`` (deploy/artefacts.py):

* its service folders are exactly those of layers/deps/botocore-services.txt, their models stored
  decompressed (nothing gunzipped at a cold start) and without their documentation text (decoded
  at every cold start, read only by docstrings);
* each listed service's client is created from the layer alone (``python -S``, the layer's folder the
  only path beside the standard library), in several partitions' regions, and resolves the same
  endpoint, region and signing name as the dev environment's whole botocore does when it is the
  same version (the trimmed ``endpoints.json`` must answer as the whole one for these services).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import botocore

LISTED = Path(__file__).resolve().parents[1] / "layers" / "deps" / "botocore-services.txt"
REGIONS = ("us-east-1", "eu-west-2", "ap-southeast-2", "cn-north-1", "us-gov-west-1")
PROBE = """
import json, sys
import botocore, botocore.session
session = botocore.session.get_session()
out = {"version": botocore.__version__, "clients": {}}
for service in sys.argv[2:]:
    for region in sys.argv[1].split(","):
        c = session.create_client(service, region_name=region, aws_access_key_id="x", aws_secret_access_key="y")
        signer = c._request_signer
        out["clients"][f"{service} {region}"] = [c.meta.endpoint_url, signer.region_name, signer.signing_name]
print(json.dumps(out))
"""


def listed(path: Path = LISTED) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return sorted({line for line in lines if line})


def probe(services: list[str], layer: Path | None) -> dict[str, object]:
    """Create each service's client in each region: from ``layer`` alone, or (None) from this
    environment; what each resolved, and botocore's version."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON"))}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    flags = ["-S"] if layer else []
    if layer:
        env["PYTHONPATH"] = str(layer)
    done = subprocess.run(
        [sys.executable, *flags, "-c", PROBE, ",".join(REGIONS), *services],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "no output")
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def _documented(node: object) -> bool:
    """Whether a model holds ``documentation`` text (trim_botocore.undocumented removes it)."""
    if isinstance(node, dict):
        return any((k == "documentation" and isinstance(v, str)) or _documented(v) for k, v in node.items())
    return isinstance(node, list) and any(_documented(v) for v in node)


def check_botocore(layer: Path, services: list[str] | None = None) -> list[str]:
    """Problems of the botocore in a layer's ``python`` folder (none when it ships no botocore)."""
    data = layer / "botocore" / "data"
    if not data.is_dir():
        return []
    services = listed() if services is None else services
    where = layer.parent.name
    problems = []
    shipped = {p.name for p in data.iterdir() if p.is_dir()}
    if extra := sorted(shipped - set(services)):
        problems.append(f"{where}: botocore ships {len(extra)} services not in botocore-services.txt ({extra[0]}, ...)")
    if missing := sorted(set(services) - shipped):
        problems.append(f"{where}: botocore lacks {', '.join(missing)} (botocore-services.txt)")
    packed = sorted(data.rglob("*.json.gz"))
    if packed:
        problems.append(f"{where}: {packed[0].relative_to(data)} is compressed (gunzipped at every cold start)")
    documented = [m for m in sorted(data.glob("*/*/service-2.json")) if _documented(json.loads(m.read_bytes()))]
    if documented:
        problems.append(
            f"{where}: {documented[0].relative_to(data)} keeps its documentation (decoded at every cold start)"
        )
    if problems:
        return problems
    try:
        built = probe(services, layer)
    except RuntimeError as error:
        return [f"{where}: a client cannot be created from the layer's botocore: {error}"]
    if built["version"] == botocore.__version__:
        whole = probe(services, None)["clients"]
        for key, answer in built["clients"].items():  # type: ignore[attr-defined]
            if answer != whole[key]:  # type: ignore[index]
                problems.append(f"{where}: {key} resolves {answer}, the whole botocore {whole[key]}")  # type: ignore[index]
    return problems
