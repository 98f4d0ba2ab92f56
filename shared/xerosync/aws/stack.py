"""A deployed xerosync stack, found by name: its resources, for the operator's commands."""

from dataclasses import field
from typing import Any

from xerosync.aws import client
from xerosync.frozen import frozen

QUEUES = {
    "orders": ("OrdersQueue", "OrdersDLQ"),
    "contacts": ("ContactsQueue", "ContactsDLQ"),
    "items": ("ItemsQueue", "ItemsDLQ"),
    "xero": ("XeroEventsQueue", "XeroEventsDLQ"),  # Xero webhooks in (invoices paid in Xero)
}


@frozen
class Stack:
    name: str
    resources: dict[str, str]  # logical id -> physical id
    outputs: dict[str, str]
    parameters: dict[str, str] = field(default_factory=dict)

    def queue_url(self, logical_id: str) -> str:
        return self.resources[logical_id]


def find(name: str) -> Stack:
    cloudformation = client("cloudformation")
    described: dict[str, Any] = cloudformation.describe_stacks(StackName=name)["Stacks"][0]
    resources: dict[str, str] = {}
    paginator = cloudformation.get_paginator("list_stack_resources")
    for page in paginator.paginate(StackName=name):
        for summary in page["StackResourceSummaries"]:
            resources[summary["LogicalResourceId"]] = summary.get("PhysicalResourceId", "")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    parameters = {p["ParameterKey"]: str(p.get("ParameterValue", "")) for p in described.get("Parameters", [])}
    return Stack(name, resources, outputs, parameters)
