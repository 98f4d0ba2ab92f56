"""SSM parameters (the store settings), read fresh: callers cache.

The settings parameter is written by the merchant only (by hand, or from the console's Map),
never by the stack (a stack update would write the template's value over theirs), so until they
write it, it does not exist: it reads as an empty document, which is the default settings.

Every write is a new version of the parameter, and SSM keeps the earlier ones (the last 100:
https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-versions.html),
which is how a saved change keeps the previous settings: :func:`history` reads them.
"""

from datetime import datetime

from xerosync.aws import client
from xerosync.frozen import frozen

NOT_WRITTEN_YET = "{}"


def get_parameter(name: str) -> str:
    return get_parameter_version(name)[0]


def get_parameter_version(name: str) -> tuple[str, int]:
    """The value and its version (0: never written, the empty document)."""
    ssm = client("ssm")
    try:
        found = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
    except ssm.exceptions.ParameterNotFound:
        return NOT_WRITTEN_YET, 0
    return str(found["Value"]), int(found.get("Version") or 0)


def put_parameter(name: str, value: str, *, description: str | None = None) -> int:
    """Write a new version; returns its number. Intelligent-Tiering: a document over the
    standard tier's 4 KB is stored in the advanced tier rather than refused."""
    extra = {"Description": description[:1024]} if description else {}
    done = client("ssm").put_parameter(
        Name=name, Value=value, Overwrite=True, Type="String", Tier="Intelligent-Tiering", **extra
    )
    return int(done.get("Version") or 0)


@frozen
class Version:
    number: int
    value: str
    modified: datetime | None
    by: str  # the IAM identity that wrote it (the console's function, or an operator)
    description: str  # what the writer said (the console: who saved it)


def history(name: str, limit: int = 10) -> list[Version]:
    """The parameter's last ``limit`` versions, newest first (empty: never written)."""
    ssm = client("ssm")
    found: list[Version] = []
    token: str | None = None
    try:
        while True:
            page = ssm.get_parameter_history(Name=name, WithDecryption=True, **({"NextToken": token} if token else {}))
            found += [
                Version(
                    int(p.get("Version") or 0),
                    str(p.get("Value", "")),
                    p.get("LastModifiedDate"),
                    str(p.get("LastModifiedUser") or ""),
                    str(p.get("Description") or ""),
                )
                for p in page.get("Parameters", [])
            ]
            token = page.get("NextToken")
            if not token:
                break
    except ssm.exceptions.ParameterNotFound:
        return []
    return sorted(found, key=lambda v: v.number, reverse=True)[:limit]
