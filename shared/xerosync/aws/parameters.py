"""SSM parameters (the store settings), read fresh: callers cache.

The settings parameter is written by the merchant only, never by the stack (a stack update
would write the template's value over theirs), so until they write it, it does not exist: it
reads as an empty document, which is the default settings.
"""

from xerosync.aws import client

NOT_WRITTEN_YET = "{}"


def get_parameter(name: str) -> str:
    ssm = client("ssm")
    try:
        return str(ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"])
    except ssm.exceptions.ParameterNotFound:
        return NOT_WRITTEN_YET


def put_parameter(name: str, value: str) -> None:
    client("ssm").put_parameter(Name=name, Value=value, Overwrite=True, Type="String")
