"""The single Logger and Metrics every function shares (service name from the environment)."""

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()
