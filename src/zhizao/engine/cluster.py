"""A real Spark standalone cluster on this machine: one master, N workers and optionally a Spark
Connect server, started from the locked PySpark's own launcher (``bin/spark-class`` /
``bin/spark-submit``), bound to the loopback address, and stopped by PID whatever happens (each
process in its own process group, killed with it; and SIGTERM to each if the starting process
dies, through ``PR_SET_PDEATHSIG``).

Used by the cluster tests (``tests/engine/test_cluster.py``) and the scaling benchmark
(``bench/scaling.py``). It is also how a province starts the same on its own machines
(docs/scale.md): the master on one host, ``Worker spark://MASTER:7077`` on each of the others, the
Connect server anywhere. Nothing here is imported by the platform itself (PySpark is only
imported to find its installation).
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    """A TCP port free on the loopback address now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).resolve().parent


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((LOOPBACK, port)) == 0


_LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the starting process dies, however it dies (Linux).
    Nothing is imported here (the child of a threaded process must not take the import lock)."""
    _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def cluster_env(work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SPARK_HOME=str(spark_home()),
        SPARK_LOCAL_IP=LOOPBACK,          # never bind or advertise anything but loopback
        SPARK_LOCAL_HOSTNAME=LOOPBACK,
        SPARK_LOG_DIR=str(work / "logs"),
        SPARK_WORKER_DIR=str(work / "worker"),
        SPARK_NO_DAEMONIZE="1",
        PYSPARK_PYTHON=sys.executable,
        PYSPARK_DRIVER_PYTHON=sys.executable,
    )
    return env


@dataclass
class Cluster:
    work: Path
    master_port: int = 0
    connect_port: int = 0
    workers: int = 0
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def master_url(self) -> str:
        return f"spark://{LOOPBACK}:{self.master_port}"

    @property
    def connect_url(self) -> str:
        return f"sc://{LOOPBACK}:{self.connect_port}"

    def _start(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        (self.work / "logs").mkdir(parents=True, exist_ok=True)
        log = open(self.work / "logs" / f"{name}.log", "wb")
        p = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=cluster_env(self.work),
                             start_new_session=True,  # its own process group: stopped whole
                             preexec_fn=_die_with_parent)  # and stopped if the tests are killed
        self.procs.append(p)
        return p

    def _wait(self, port: int, what: str, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if _listening(port):
                return
            for p in self.procs:
                if p.poll() is not None:
                    args = [str(a) for a in p.args] if isinstance(p.args, list | tuple) else [str(p.args)]
                    raise RuntimeError(f"{what}: a cluster process exited ({args[1] if len(args) > 1 else args[0]})\n"
                                       + self.logs_tail())
            time.sleep(0.5)
        raise TimeoutError(f"{what} did not listen on {port} within {timeout_s:.0f} s\n" + self.logs_tail())

    def pids(self) -> list[int]:
        """The PIDs of the cluster's own processes (master, workers, Connect server): the JVMs,
        since ``spark-class`` execs java."""
        return [p.pid for p in self.procs if p.poll() is None]

    def logs_tail(self, n: int = 15) -> str:
        out = []
        for f in sorted((self.work / "logs").glob("*.log")):
            lines = f.read_text(errors="replace").splitlines()[-n:]
            out.append(f"--- {f.name}\n" + "\n".join(lines))
        return "\n".join(out)

    def start_master(self, timeout_s: float = 600) -> None:
        self.master_port = free_port()
        self._start("master", [str(spark_home() / "bin" / "spark-class"), "org.apache.spark.deploy.master.Master",
                               "--host", LOOPBACK, "--port", str(self.master_port), "--webui-port", str(free_port())])
        self._wait(self.master_port, "Spark master", timeout_s)

    def add_worker(self, cores: int = 2, memory: str = "2g", timeout_s: float = 600, wait: bool = True) -> int:
        """Start a worker; with ``wait``, return once it listens (else the caller waits on the
        port returned)."""
        self.workers += 1
        port = free_port()
        work_dir = self.work / f"worker-{self.workers}"
        work_dir.mkdir(parents=True, exist_ok=True)
        self._start(f"worker-{self.workers}", [
            str(spark_home() / "bin" / "spark-class"), "org.apache.spark.deploy.worker.Worker", self.master_url,
            "--host", LOOPBACK, "--port", str(port), "--webui-port", str(free_port()),
            "--cores", str(cores), "--memory", memory, "--work-dir", str(work_dir)])
        if wait:
            self._wait(port, f"Spark worker {self.workers}", timeout_s)
        return port

    def start_connect(self, executor_memory: str = "768m", timeout_s: float = 600, wait: bool = True) -> None:
        self.connect_port = free_port()
        self._start("connect", [
            str(spark_home() / "bin" / "spark-submit"),
            "--class", "org.apache.spark.sql.connect.service.SparkConnectServer",
            "--master", self.master_url, "--name", "zhizao-connect",
            "--conf", f"spark.connect.grpc.binding.address={LOOPBACK}",
            "--conf", f"spark.connect.grpc.binding.port={self.connect_port}",
            "--conf", f"spark.driver.host={LOOPBACK}", "--conf", f"spark.driver.bindAddress={LOOPBACK}",
            # one core of each worker: the rest stays free for applications started with --spark-master
            "--conf", "spark.cores.max=2", "--conf", "spark.executor.cores=1",
            "--conf", f"spark.executor.memory={executor_memory}", "--conf", "spark.sql.shuffle.partitions=4",
            "--conf", "spark.ui.enabled=false"])
        if wait:
            self._wait(self.connect_port, "Spark Connect server", timeout_s)

    def stop(self) -> None:
        for p in reversed(self.procs):
            if p.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for p in self.procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.pid, signal.SIGKILL)
                p.wait(timeout=10)
        self.procs.clear()


@contextlib.contextmanager
def standalone(work: Path, workers: int = 2, connect: bool = True, worker_cores: int = 2,
               worker_memory: str = "2g", timeout_s: float = 600) -> Iterator[Cluster]:
    """A master, ``workers`` workers (``worker_cores`` cores and ``worker_memory`` each) and
    optionally a Connect server (which keeps one core of each worker).

    Once the master listens, the workers and the Connect server start at the same time (each is a
    JVM that takes seconds to start; the Connect server registers with the master and gets its
    executors as the workers come), and then each is waited for. Every process is stopped on
    leaving, whatever happens."""
    c = Cluster(work)
    try:
        c.start_master(timeout_s=timeout_s)
        ports = [(c.add_worker(cores=worker_cores, memory=worker_memory, wait=False), f"Spark worker {i + 1}")
                 for i in range(workers)]
        if connect:
            c.start_connect(wait=False)
            ports.append((c.connect_port, "Spark Connect server"))
        for port, what in ports:
            c._wait(port, what, timeout_s)
        yield c
    finally:
        c.stop()
