"""Trim botocore's data in the built DepsLayer to the services xerosync calls (layers/Makefile).

botocore ships the models of ~440 services. Making a first client costs, besides the model itself:
``Loader.list_available_services``, which lists every service folder (and stats the model file in
each) to check the name, once for the model and once for its endpoint rules; and the endpoints file
(``endpoints.json``, 1.2 MB: every service in every partition), decoded whole. Each Lambda cold start
pays both before its first record (the idempotency layer's DynamoDB client is made at import).

Here, in the built layer only:

* every service folder not listed in ``botocore-services.txt`` is removed (botocore's own top-level
  files, ``endpoints.json``, ``partitions.json``, ``sdk-default-configuration.json``,
  ``_retry.json``, stay);
* the kept services' ``*.json.gz`` are stored decompressed (the loader tries ``.json`` before
  ``.json.gz``: ``botocore.loaders._JSON_OPEN_METHODS``), so nothing is gunzipped at a cold start;
* their service models (``service-2.json``) keep no ``documentation`` text: about four fifths of
  each file (DynamoDB's 556 KB to 113 KB), decoded whole at every cold start by the first client
  of the service, and read by nothing but the generated docstrings (``help()`` on a client
  method), where ``Shape.documentation``, ``OperationModel.documentation`` and
  ``ServiceModel.documentation`` answer ``""`` for a missing one; written compact;
* ``endpoints.json`` keeps, in every partition, the entries of the kept services only (by each
  model's ``metadata.endpointPrefix``, the key botocore looks them up by); the partitions
  themselves (regions, DNS suffixes, defaults) are unchanged.

``python trim_botocore.py <layer python folder>``; exits 1 when a listed service has no model.
"""

import gzip
import json
import shutil
import sys
from pathlib import Path

LISTED = Path(__file__).with_name("botocore-services.txt")


def services(listed: Path = LISTED) -> list[str]:
    """The service names in ``listed`` (one a line, ``#`` comments)."""
    lines = (line.split("#", 1)[0].strip() for line in listed.read_text().splitlines())
    return sorted({line for line in lines if line})


def _model(folder: Path) -> dict:  # type: ignore[type-arg]
    """The newest API version's service model in a (decompressed) service folder."""
    newest = sorted(p for p in folder.iterdir() if (p / "service-2.json").is_file())[-1]
    return json.loads((newest / "service-2.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def undocumented(node: object) -> object:
    """A model without its ``documentation`` strings (a member or shape *named* documentation,
    whose value is an object, stays)."""
    if isinstance(node, dict):
        return {k: undocumented(v) for k, v in node.items() if not (k == "documentation" and isinstance(v, str))}
    if isinstance(node, list):
        return [undocumented(v) for v in node]
    return node


def trim(site: Path, keep: list[str]) -> tuple[int, int]:
    """Trim ``site``/botocore/data to ``keep``: (service folders removed, endpoint entries removed)."""
    data = site / "botocore" / "data"
    missing = [name for name in keep if not (data / name).is_dir()]
    if missing:
        raise SystemExit(f"trim_botocore: no botocore model for {', '.join(missing)} (botocore-services.txt)")
    removed = 0
    for folder in sorted(p for p in data.iterdir() if p.is_dir()):
        if folder.name not in keep:
            shutil.rmtree(folder)
            removed += 1
            continue
        for packed in sorted(folder.rglob("*.json.gz")):
            packed.with_suffix("").write_bytes(gzip.decompress(packed.read_bytes()))
            packed.unlink()
        for model in sorted(folder.glob("*/service-2.json")):
            kept = undocumented(json.loads(model.read_text(encoding="utf-8")))
            model.write_text(json.dumps(kept, separators=(",", ":")), encoding="utf-8")
    prefixes = {_model(data / name)["metadata"]["endpointPrefix"] for name in keep}
    endpoints_file = data / "endpoints.json"
    endpoints = json.loads(endpoints_file.read_text(encoding="utf-8"))
    dropped = 0
    for partition in endpoints["partitions"]:
        kept = {k: v for k, v in partition["services"].items() if k in prefixes}
        dropped += len(partition["services"]) - len(kept)
        partition["services"] = kept
    endpoints_file.write_text(json.dumps(endpoints, indent=1) + "\n", encoding="utf-8")
    return removed, dropped


def main(argv: list[str]) -> int:
    site = Path(argv[0])
    keep = services()
    removed, dropped = trim(site, keep)
    print(f"botocore data: kept {', '.join(keep)}; removed {removed} service folders, {dropped} endpoint entries")  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
