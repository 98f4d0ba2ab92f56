"""SSM parameters (the store settings), read fresh: callers cache."""

from xerosync.aws import client


def get_parameter(name: str) -> str:
    return str(client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"])


def put_parameter(name: str, value: str) -> None:
    client("ssm").put_parameter(Name=name, Value=value, Overwrite=True, Type="String")
