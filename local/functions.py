"""Lambda functions, run locally as Lambda runs them: warm worker processes, one invocation at a
time each, killed on timeout, their output captured like CloudWatch Logs."""

import itertools
import json
import os
import random
import select
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

WORKER = Path(__file__).resolve().parent / "lambda_worker.py"
INIT_TIMEOUT = 30.0  # Lambda allows 10 s of init; a cold Python on a busy 2-core machine needs more


@dataclass(frozen=True)
class FunctionConfig:
    logical_id: str
    name: str  # the deployed function name
    handler: str
    code_dir: Path
    layers: tuple[Path, ...]
    environment: dict[str, str]
    timeout: float
    memory_mb: int


@dataclass
class InvokeResult:
    ok: bool
    payload: Any = None
    error: dict[str, Any] | None = None
    duration_ms: float = 0.0
    cold: bool = False
    request_id: str = ""


@dataclass
class FunctionStats:
    invocations: int = 0
    errors: int = 0
    timeouts: int = 0
    cold_starts: int = 0
    billed_ms: float = 0.0
    killed: int = 0  # workers killed mid-invocation by a chaos run
    peak_memory_mb: float = 0.0  # the most any worker process held resident (Lambda's "Max Memory Used")
    durations_ms: list[float] = field(default_factory=list)


class WorkerGone(Exception):
    pass


class _Worker:
    def __init__(self, config: FunctionConfig, env: dict[str, str], log: IO[bytes]) -> None:
        read_fd, write_fd = os.pipe()
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and script
            [
                sys.executable,
                str(WORKER),
                str(config.code_dir),
                config.handler,
                str(write_fd),
                *(str(p) for p in config.layers),
            ],
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=log,
            env=env,
            pass_fds=(write_fd,),
            cwd=str(config.code_dir),
        )
        os.close(write_fd)
        self._fd = read_fd
        self._buffer = b""
        assert self.process.stdin is not None
        self._stdin = self.process.stdin
        ready = self.read(time.monotonic() + INIT_TIMEOUT)
        if not ready.get("ready"):
            raise WorkerGone("worker did not start")

    def read(self, deadline: float) -> dict[str, Any]:
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            readable, _, _ = select.select([self._fd], [], [], remaining)
            if not readable:
                continue
            chunk = os.read(self._fd, 1 << 20)
            if not chunk:
                raise WorkerGone("the runtime exited")
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        parsed: dict[str, Any] = json.loads(line)
        return parsed

    def send(self, request: dict[str, Any]) -> None:
        try:
            self._stdin.write(json.dumps(request).encode() + b"\n")
            self._stdin.flush()
        except (BrokenPipeError, ValueError) as exc:
            raise WorkerGone("the runtime exited") from exc

    def peak_memory_mb(self) -> float:
        """The process's peak resident memory so far (``VmHWM``), as Lambda reports an execution
        environment's "Max Memory Used"; 0 where /proc is not there."""
        try:
            with open(f"/proc/{self.process.pid}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024.0
        except (OSError, ValueError, IndexError):
            pass
        return 0.0

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        os.close(self._fd)


class LocalFunction:
    """One deployed function: invokes it in a warm worker, starting one when none is idle."""

    def __init__(self, config: FunctionConfig, base_env: dict[str, str], log_path: Path, max_workers: int = 4) -> None:
        self.config = config
        self.stats = FunctionStats()
        self._env = {
            **base_env,
            **config.environment,
            "AWS_LAMBDA_FUNCTION_NAME": config.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
            "LAMBDA_TASK_ROOT": str(config.code_dir),
            "_HANDLER": config.handler,
        }
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_path.open("ab")
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_workers)
        self._ids = itertools.count(1)
        self._closed = False
        self._chaos: tuple[random.Random, float] | None = None

    def chaos(self, rng: random.Random, kill_rate: float) -> None:
        """Kill the worker during that share of invocations, as a Lambda timeout or crash would."""
        self._chaos = (rng, kill_rate)

    def _take(self) -> tuple[_Worker, bool]:
        with self._lock:
            if self._idle:
                return self._idle.pop(), False
        return _Worker(self.config, self._env, self._log), True

    def invoke(self, event: Any) -> InvokeResult:
        request_id = str(uuid.uuid4())
        with self._slots:
            started = time.monotonic()
            try:
                worker, cold = self._take()
            except (WorkerGone, TimeoutError) as exc:
                return self._record(
                    InvokeResult(
                        False, error={"errorType": "Runtime.InitError", "errorMessage": str(exc)}, request_id=request_id
                    ),
                    started,
                )
            deadline_ms = int(time.time() * 1000 + self.config.timeout * 1000)
            request = {"id": next(self._ids), "request_id": request_id, "deadline_ms": deadline_ms, "event": event}
            killer = None
            if self._chaos and self._chaos[0].random() < self._chaos[1]:
                killer = threading.Timer(self._chaos[0].uniform(0.05, 1.5), self._kill, args=(worker,))
                killer.start()
            with self._lock:
                self._busy.add(worker)
            try:
                worker.send(request)
                answer = worker.read(started + self.config.timeout + (INIT_TIMEOUT if cold else 0))
            except TimeoutError:
                worker.kill()
                self.stats.timeouts += 1
                error = {
                    "errorType": "Sandbox.Timedout",
                    "errorMessage": f"Task timed out after {self.config.timeout:.2f} seconds",
                }
                return self._record(InvokeResult(False, error=error, cold=cold, request_id=request_id), started)
            except WorkerGone as exc:
                worker.kill()
                error = {"errorType": "Runtime.ExitError", "errorMessage": str(exc)}
                return self._record(InvokeResult(False, error=error, cold=cold, request_id=request_id), started)
            finally:
                if killer is not None:
                    killer.cancel()
                with self._lock:
                    self._busy.discard(worker)
            self.stats.peak_memory_mb = max(self.stats.peak_memory_mb, worker.peak_memory_mb())
            with self._lock:
                if self._closed or worker.process.poll() is not None:
                    worker.kill()
                else:
                    self._idle.append(worker)
            result = InvokeResult(
                bool(answer["ok"]), answer.get("result"), answer.get("error"), cold=cold, request_id=request_id
            )
            return self._record(result, started)

    def _record(self, result: InvokeResult, started: float) -> InvokeResult:
        result.duration_ms = (time.monotonic() - started) * 1000
        self.stats.invocations += 1
        self.stats.cold_starts += int(result.cold)
        self.stats.errors += int(not result.ok)
        self.stats.billed_ms += result.duration_ms
        self.stats.durations_ms.append(result.duration_ms)
        return result

    def _kill(self, worker: _Worker) -> None:
        if worker.process.poll() is None:
            self.stats.killed += 1
            worker.process.kill()

    def kill_running(self) -> int:
        """Kill every worker in the middle of an invocation now, as a crash would (a chaos run's
        kill at a chosen moment). Returns how many."""
        with self._lock:
            running = list(self._busy)
        for worker in running:
            self._kill(worker)
        return len(running)

    def kill_workers(self) -> int:
        """Kill every idle warm worker (the next invocation starts cold). Returns how many."""
        with self._lock:
            workers, self._idle = self._idle, []
        for worker in workers:
            worker.kill()
        return len(workers)

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self.kill_workers()
        self._log.close()
