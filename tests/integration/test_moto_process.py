"""moto in a process of its own (``local.moto_process``, what ``make bench`` runs): it answers over
HTTP as the in-process server does, runs the caller's code where its backends are, and the
benchmark's AWS meter installed there counts the requests it answers."""

import sys

import pytest

from bench.meters import RemoteAwsMeter
from local.moto_process import SWITCH_INTERVAL, MotoProcess
from local.stack import free_port
from tests.integration.conftest import boto


def test_moto_in_its_own_process_answers_runs_code_there_and_is_metered() -> None:
    port = free_port()
    moto = MotoProcess(port, setup=RemoteAwsMeter.SETUP)
    try:
        sqs = boto("sqs", f"http://127.0.0.1:{port}")
        url = sqs.create_queue(QueueName="own-process")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="hello")
        [message] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"]
        assert message["Body"] == "hello"
        # the queue is in the child's backends, not in this process's
        assert moto.call("local.moto_ext:detach_queue_triggers", "123456789012", "us-east-1") == 0
        counted = moto.call("bench.meters:snapshot")
        assert counted.requests[("sqs", "CreateQueue")] == 1
        assert counted.sqs.messages_received == 1
        assert moto.call("sys:getswitchinterval") == pytest.approx(SWITCH_INTERVAL)
        assert sys.getswitchinterval() != pytest.approx(SWITCH_INTERVAL)  # moto's process only
        with pytest.raises(RuntimeError, match=r"in the moto process, local\.moto_ext:nothing_here"):
            moto.call("local.moto_ext:nothing_here")
    finally:
        moto.stop()
    assert not moto.process.is_alive()
