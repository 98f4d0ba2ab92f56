"""AWS list prices the cost figures use: us-east-1, on-demand, first pricing tier, no free tier.

Written down on 2026-11-22 from the pages named beside each price (read through the search
tool's ``pages`` corpus; AWS's own pricing pages render their tables with scripts, so the
figures were checked against the AWS pages' text where it had them and against the cited
summaries otherwise). They are list prices as published, not a quote: check
https://aws.amazon.com/pricing/ before relying on them.
"""

from dataclasses import dataclass

PRICES_DATE = "2026-11-22"


@dataclass(frozen=True)
class Price:
    usd: float
    per: str
    source: str


PRICES: dict[str, Price] = {
    "lambda_request": Price(
        0.20 / 1_000_000,
        "request (invocation)",
        "https://aws.amazon.com/lambda/pricing/ ($0.20 per 1M requests, x86 and Arm alike)",
    ),
    "lambda_gb_second_arm64": Price(
        0.0000133334,
        "GB-second, arm64, first 7.5 billion GB-s a month",
        "https://aws.amazon.com/lambda/pricing/ (Arm: $0.0000133334 per GB-s); init time is billed too "
        "since 2025-08-01 (AWS Compute Blog, 'AWS Lambda standardizes billing for INIT Phase')",
    ),
    "sqs_request": Price(
        0.40 / 1_000_000,
        "standard-queue request (each 64 KB of payload counts as one)",
        "https://aws.amazon.com/sqs/pricing/ ($0.40 per 1M standard requests, first 100 billion a month)",
    ),
    "dynamodb_write_request_unit": Price(
        0.625 / 1_000_000,
        "on-demand write request unit (1 KB)",
        "https://aws.amazon.com/dynamodb/pricing/on-demand/ ($0.625 per 1M WRU since the November 2024 "
        "on-demand price cut; AWS News Blog post on DynamoDB on-demand, updated 2025-01-31)",
    ),
    "dynamodb_read_request_unit": Price(
        0.125 / 1_000_000,
        "on-demand read request unit (4 KB strongly consistent, 8 KB eventually consistent)",
        "https://aws.amazon.com/dynamodb/pricing/on-demand/ ($0.125 per 1M RRU)",
    ),
    "http_api_request": Price(
        1.00 / 1_000_000,
        "API Gateway HTTP API request (per 512 KB)",
        "https://aws.amazon.com/api-gateway/pricing/ ($1.00 per 1M for the first 300M; AWS whitepaper "
        "'Best Practices for Designing Amazon API Gateway Private APIs', cost optimization table)",
    ),
    "secrets_manager_call": Price(
        0.05 / 10_000,
        "Secrets Manager API call",
        "https://aws.amazon.com/secrets-manager/pricing/ ($0.05 per 10,000 API calls; confirmed only by "
        "secondary summaries such as hivebook.wiki's Secrets Manager page)",
    ),
}
