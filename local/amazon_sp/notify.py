"""``REPORT_PROCESSING_FINISHED`` and ``APPLICATION_OAUTH_CLIENT_NEW_SECRET`` notifications to an
Amazon SQS destination.

The body is the documented notification (developer-docs.amazon.com/sp-api/docs/notification-type-values,
REPORT_PROCESSING_FINISHED; the same example in the ``@sp-api-sdk/schemas`` package):
``{notificationVersion: "2020-09-04", notificationType, payloadVersion: "2020-09-04", eventTime,
payload: {reportProcessingFinishedNotification: {sellerId, accountId, reportId, reportType,
processingStatus, reportDocumentId}}, notificationMetadata: {applicationId, subscriptionId,
publishTime, notificationId}}``. Sent with boto3 ``send_message`` to the queue URL given, against
the endpoint URL given (the local stack's moto); Amazon's own delivery is at least once, so a test
may send one twice (:meth:`Notifier.send` again).

``APPLICATION_OAUTH_CLIENT_NEW_SECRET`` (the Application Management API's rotation delivers the new
client secret this way: https://developer-docs.amazon.com/sp-api/docs/application-management-api-v2023-11-30-use-case-guide,
https://developer-docs.amazon.com/sp-api/docs/notification-type-values):
``{notificationVersion: "1.0", notificationType, payloadVersion: "2023-11-30", eventTime,
payload: {applicationOAuthClientNewSecret: {clientId, newClientSecret, newClientSecretExpiryTime,
oldClientSecretExpiryTime}}, notificationMetadata: {…}}`` — the example in Amazon's rotation
sample (amzn/selling-partner-api-samples, ``use-cases/lwa-credential-rotation``).
"""

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from local.amazon_sp.reports import Report


def timestamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def report_finished(report: Report, seller_id: str, application_id: str, subscription_id: str,
                    now: datetime) -> dict[str, Any]:  # fmt: skip
    finished: dict[str, Any] = {
        "sellerId": seller_id,
        "accountId": f"amzn1.merchant.o.{seller_id}",
        "reportId": report.id,
        "reportType": report.type,
        "processingStatus": report.status,
    }
    if report.status == "DONE":
        finished["reportDocumentId"] = report.document_id
    return {
        "notificationVersion": "2020-09-04",
        "notificationType": "REPORT_PROCESSING_FINISHED",
        "payloadVersion": "2020-09-04",
        "eventTime": timestamp(now),
        "payload": {"reportProcessingFinishedNotification": finished},
        "notificationMetadata": {
            "applicationId": application_id,
            "subscriptionId": subscription_id,
            "publishTime": timestamp(now),
            "notificationId": str(uuid.uuid4()),
        },
    }


def new_client_secret(client_id: str, secret: str, expires: datetime, old_expires: datetime, application_id: str,
                      subscription_id: str, now: datetime) -> dict[str, Any]:  # fmt: skip
    return {
        "notificationVersion": "1.0",
        "notificationType": "APPLICATION_OAUTH_CLIENT_NEW_SECRET",
        "payloadVersion": "2023-11-30",
        "eventTime": timestamp(now),
        "payload": {
            "applicationOAuthClientNewSecret": {
                "clientId": client_id,
                "newClientSecret": secret,
                "newClientSecretExpiryTime": timestamp(expires),
                "oldClientSecretExpiryTime": timestamp(old_expires),
            }
        },
        "notificationMetadata": {
            "applicationId": application_id,
            "subscriptionId": subscription_id,
            "publishTime": timestamp(now),
            "notificationId": str(uuid.uuid4()),
        },
    }


@dataclass
class Notifier:
    """An SQS destination the app subscribed a notification type to (REPORT_PROCESSING_FINISHED,
    or APPLICATION_OAUTH_CLIENT_NEW_SECRET: registered in the developer console)."""

    queue_url: str
    endpoint_url: str | None = None
    region: str = "us-east-1"
    subscription_id: str = field(default_factory=lambda: f"subscription-id-{uuid.uuid4()}")
    sent: list[dict[str, Any]] = field(default_factory=list)

    def send(self, notification: dict[str, Any]) -> None:
        import boto3  # only when a queue is configured: the simulator runs without AWS otherwise

        sqs = boto3.client("sqs", endpoint_url=self.endpoint_url, region_name=self.region)
        sqs.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(notification))
        self.sent.append(notification)
