"""What the load benchmarks share: gunicorn servers on loopback, wrk runs, CPU accounting.

Not a benchmark itself: bench_core.py and bench_scale.py import it.
"""
from __future__ import annotations

import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BIN = Path(sys.executable).parent
LUA = HERE / "post_bodies.lua"


class BenchError(Exception):
    """Something failed to run: the figures of this run mean nothing."""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def ensure_wrk() -> str:
    """The path of wrk, installed from Debian's package when missing."""
    path = shutil.which("wrk")
    if path:
        return path
    log("wrk is missing: installing Debian's package")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for command in (["apt-get", "install", "-y", "-qq", "wrk"],
                    ["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        if command[1] == "install" and result.returncode == 0:
            break
    path = shutil.which("wrk")
    if not path:
        raise BenchError("wrk is not installed and `apt-get install wrk` failed")
    return path


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_busy(seconds: float = 1.0) -> float:
    """The fraction of all CPUs busy (not idle, not waiting for I/O) over a short interval."""
    def sample():
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return sum(values), values[3] + values[4]  # total, idle + iowait

    total, idle = sample()
    time.sleep(seconds)
    total2, idle2 = sample()
    return 1 - (idle2 - idle) / max(total2 - total, 1)


def warn_if_busy() -> None:
    """Say so when other processes already compete for the CPUs."""
    busy = cpu_busy()
    if busy > 0.2:
        log(f"warning: the CPUs are already {busy:.0%} busy: other processes compete with the "
            f"servers and wrk, the figures will be noisier")


def write_lines(path: Path, lines) -> Path:
    """Write one item a line; returns the path."""
    path.write_text("\n".join(lines) + "\n")
    return path


def process_cpu(pid: int, children: bool = False) -> float:
    """CPU seconds (user + system) of one process; with children=True also those of its
    children that have ended and been waited for (how a server's exited backends count)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def children_cpu(parent: int) -> float:
    """CPU seconds used so far by the live children of a process."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # a process that just ended
        if int(fields[1]) == parent:  # ppid
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def percentile(sorted_values: list[float], p: float) -> float:
    """The nearest-rank percentile (p in 0..100) of values sorted ascending."""
    if not sorted_values:
        raise BenchError("no values to take a percentile of")
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


# ------------------------------------------------------------------------ servers and load

class Server:
    """One gunicorn (sync workers unless options say otherwise) on a free loopback port,
    stopped by its own pid."""

    def __init__(self, name: str, app: str, chdir: Path, env: dict, tmp: Path, health: str,
                 workers: int = 2, options: tuple[str, ...] = ()):
        self.name, self.port = name, free_port()
        self.log_path = tmp / f"gunicorn-{name}.log"
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
             "--chdir", str(chdir), "--log-level", "warning", *options, app],
            env={**os.environ, **env}, stdout=self._log, stderr=subprocess.STDOUT)
        self._wait(health)

    def _wait(self, health: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                log_tail = self.tail()
                self.stop()
                raise BenchError(f"{self.name}: gunicorn exited ({self.process.returncode}); "
                                 f"its log ends:\n{log_tail}")
            try:
                with urllib.request.urlopen(self.url + health, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        self.stop()
        raise BenchError(f"{self.name}: no answer on {self.url}{health} after {timeout:.0f} s")

    def worker_cpu(self) -> float:
        """CPU seconds (user + system) used so far by this gunicorn's worker processes."""
        return children_cpu(self.process.pid)

    def tail(self, lines: int = 15) -> str:
        self._log.flush()
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self._log.closed:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.stop()


class RedisServer:
    """A throwaway redis-server on a free loopback port (no persistence), for Flask-Limiter as
    production runs it; stopped by its own pid."""

    def __init__(self, tmp: Path):
        path = shutil.which("redis-server")
        if not path:
            raise BenchError("redis-server is not installed (Debian: apt-get install redis-server)")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._log = open(tmp / "redis.log", "ab")
        self.process = subprocess.Popen(
            [path, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(tmp)],
            stdout=self._log, stderr=subprocess.STDOUT)
        self._wait()

    def _wait(self, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                raise BenchError(f"redis-server exited ({self.process.returncode})")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise BenchError(f"redis-server did not answer on port {self.port}")

    def cpu(self) -> float:
        """CPU seconds used so far by the server."""
        return process_cpu(self.process.pid)

    def stop(self) -> None:
        if self._log.closed:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.stop()


@dataclass
class Load:
    """What one wrk run reported."""

    requests: int
    seconds: float
    successes: int
    wraps: int
    statuses: dict
    socket_errors: int
    p50_ms: float
    p99_ms: float
    raw: str
    latencies_ms: list[float] | None = None  # every request's own time (timed runs only)


def run_wrk(wrk: str, url: str, bodies: Path, marker: str, seconds: int, threads: int = 2,
            connections: int = 8, timings: Path | None = None) -> Load:
    """One wrk run posting the lines of `bodies` (see post_bodies.lua).

    With `timings`, every request's own latency is written there and read back (one
    connection per thread, so that each thread times its requests one after the other):
    wrk's own percentiles include its coordinated-omission correction, which adds made-up
    samples to every response slower than the mean."""
    if timings is not None and connections != threads:
        raise BenchError("timed runs need one connection per wrk thread")
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
               "-s", str(LUA), url, "--", str(bodies), marker, str(threads)]
    if timings is not None:
        timings.unlink(missing_ok=True)  # the script appends
        command.append(str(timings))
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    match = re.search(r"^BENCH (.*)$", result.stdout, re.M)
    if result.returncode != 0 or not match:
        raise BenchError(f"wrk failed ({result.returncode}): {result.stdout}{result.stderr}")
    values = {key: int(float(value))
              for key, value in (item.split("=") for item in match.group(1).split())}
    latencies = None
    if timings is not None:
        latencies = [float(line) / 1000 for line in timings.read_text().split()]
    return Load(
        requests=values["requests"], seconds=values["duration_us"] / 1e6,
        successes=values["successes"], wraps=values["wraps"],
        statuses={int(k[7:]): v for k, v in values.items() if k.startswith("status_")},
        socket_errors=sum(v for k, v in values.items()
                          if k.startswith("err_") and k != "err_status"),
        p50_ms=values["lat_p50_us"] / 1000, p99_ms=values["lat_p99_us"] / 1000, raw=result.stdout,
        latencies_ms=latencies)
