"""The console against the local stack: template.yaml's ConsoleFunction behind its HttpApi routes,
over real HTTP, with moto's DynamoDB, SQS and CloudFormation behind it."""

from collections.abc import Iterator

import httpx
import pytest

from local.stack import LocalStack
from xerosync.aws.console_sessions import DynamoConsoleSessions
from xerosync.console.auth import COOKIE, mint_signin


def mint(stack: LocalStack, who: str = "operator@test") -> str:
    """A sign-in token, minted as ``xerosync console link`` mints it (into the stack's table)."""
    import os

    from xerosync import aws

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ["AWS_ENDPOINT_URL"] = stack.aws_endpoint
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
    aws.reset()
    return mint_signin(DynamoConsoleSessions(stack.resources["SyncLogTable"]), who)


def signed_in(stack: LocalStack, who: str = "operator@test") -> httpx.Client:
    """An HTTP client holding a live session (its cookie), signed in with a fresh link."""
    client = httpx.Client(base_url=stack.api_url, follow_redirects=False, timeout=30)
    answer = client.get("/console/signin", params={"token": mint(stack, who)})
    assert answer.status_code == 200, answer.text
    # httpx keeps a Secure cookie only for https: carry it by hand, as a browser on localhost does
    cookie = answer.headers["set-cookie"].split(";")[0].split("=", 1)[1]
    client.cookies.set(COOKIE, cookie)
    return client


@pytest.fixture(scope="package")
def console_stack() -> Iterator[LocalStack]:
    with LocalStack(stack_name="console-http", poll=False) as stack:
        yield stack
