"""Load generators, each run in a process of its own: wrk, or a Python fallback.

wrk (Debian's package) is preferred; it is installed with apt-get once if it is
missing and we are root. Where that is not possible, `python -m bench.loadgen`
drives keep-alive connections with raw asyncio sockets and prints its result
as JSON. Both report the same `LoadResult`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import msgspec

PROJECT_ROOT = Path(__file__).resolve().parent.parent

WRK_THREADS = 2
CONNECTIONS = 32


class BenchError(RuntimeError):
    """Something broke: the bench stops this benchmark and exits non-zero."""


def progress(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


class LoadResult(msgspec.Struct, frozen=True, kw_only=True):
    requests: int
    seconds: float
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    non_2xx: int = 0
    socket_errors: int = 0


class LoadGenerator(msgspec.Struct, frozen=True, kw_only=True):
    kind: Literal["wrk", "python"]
    executable: str
    version: str
    threads: int
    connections: int = CONNECTIONS

    def describe(self) -> str:
        workers = f"{self.threads} thread{'s' if self.threads != 1 else ''}"
        return f"{self.version} ({workers}, {self.connections} keep-alive connections)"

    def run(self, url: str, seconds: int) -> LoadResult:
        """Load `url` for `seconds` from a separate process."""
        if self.kind == "wrk":
            command = [
                self.executable,
                f"-t{self.threads}",
                f"-c{self.connections}",
                f"-d{seconds}s",
                "--latency",
                url,
            ]
        else:
            command = [
                self.executable,
                "-m",
                "bench.loadgen",
                "--url",
                url,
                "--seconds",
                str(seconds),
                "--connections",
                str(self.connections),
            ]
        try:
            done = subprocess.run(
                command,
                cwd=PROJECT_ROOT,
                capture_output=True,
                text=True,
                check=False,
                timeout=seconds + 60,
            )
        except subprocess.TimeoutExpired:
            raise BenchError(
                f"{self.kind} did not finish loading {url} in {seconds + 60} s"
            ) from None
        if done.returncode != 0:
            raise BenchError(
                f"{self.kind} exited with {done.returncode} on {url}: {done.stderr.strip()[-1000:]}"
            )
        if self.kind == "wrk":
            return parse_wrk(done.stdout)
        return msgspec.json.decode(done.stdout, type=LoadResult)


def find_load_generator(preferred: str = "wrk") -> LoadGenerator:
    """wrk if it is there or can be installed; otherwise the Python fallback."""
    if preferred == "wrk":
        wrk = shutil.which("wrk") or _install_wrk()
        if wrk is not None:
            return LoadGenerator(
                kind="wrk", executable=wrk, version=_wrk_version(wrk), threads=WRK_THREADS
            )
    return LoadGenerator(
        kind="python",
        executable=sys.executable,
        version=f"bench.loadgen, asyncio sockets on Python {sys.version.split()[0]}",
        threads=1,
    )


def _install_wrk() -> str | None:
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        progress("wrk is not installed and cannot be (not root or no apt-get)")
        return None
    progress("wrk is missing: installing it with apt-get (once)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "wrk"],
    ):
        try:
            done = subprocess.run(
                command, env=env, capture_output=True, text=True, check=False, timeout=600
            )
        except subprocess.TimeoutExpired:
            progress(f"`{' '.join(command)}` took over 600 s; not installing wrk")
            return None
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip()[-500:]
            progress(f"`{' '.join(command)}` exited with {done.returncode}: {tail}")
            return None
    return shutil.which("wrk")


def _wrk_version(wrk: str) -> str:
    # `wrk -v` prints "wrk 4.1.0 [epoll] Copyright ..." and exits non-zero.
    done = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False, timeout=10)
    match = re.search(r"wrk (\S+)", done.stdout + done.stderr)
    return f"wrk {match[1]}" if match else "wrk"


_TIME_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _ms(amount: str, unit: str) -> float:
    return float(amount) * _TIME_UNITS_MS[unit]


def parse_wrk(output: str) -> LoadResult:
    """The figures of `wrk --latency` output (its "Latency Distribution" block for percentiles)."""
    percentiles = {
        int(m[1]): _ms(m[2], m[3])
        for m in re.finditer(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s|m|h)\s*$", output, re.MULTILINE)
    }
    totals = re.search(r"^\s+(\d+) requests in ([\d.]+)(us|ms|s|m|h)", output, re.MULTILINE)
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    if totals is None or rate is None or 50 not in percentiles or 99 not in percentiles:
        raise BenchError(f"could not read wrk's output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return LoadResult(
        requests=int(totals[1]),
        seconds=_ms(totals[2], totals[3]) / 1000.0,
        requests_per_s=float(rate[1]),
        p50_ms=percentiles[50],
        p99_ms=percentiles[99],
        non_2xx=int(non_2xx[1]) if non_2xx else 0,
        socket_errors=sum(int(n) for n in sockets.groups()) if sockets else 0,
    )


# The Python fallback, run as `python -m bench.loadgen` in its own process.


class _Counts:
    __slots__ = ("non_2xx", "socket_errors")

    def __init__(self) -> None:
        self.non_2xx = 0
        self.socket_errors = 0


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        lowered = name.strip().lower()
        if lowered == b"content-length":
            length = int(value)
        elif lowered == b"transfer-encoding":
            raise BenchError("chunked responses are not supported by the Python load generator")
    if length:
        await reader.readexactly(length)
    return status


async def _drive_connection(
    host: str, port: int, request: bytes, deadline: float, latencies: list[float], counts: _Counts
) -> None:
    while time.perf_counter() < deadline:
        try:
            reader, writer = await asyncio.open_connection(host, port)
        except OSError:
            counts.socket_errors += 1
            await asyncio.sleep(0.01)
            continue
        try:
            while (started := time.perf_counter()) < deadline:
                writer.write(request)
                status = await _read_response(reader)
                latencies.append(time.perf_counter() - started)
                if not 200 <= status < 400:
                    counts.non_2xx += 1
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            counts.socket_errors += 1
        finally:
            writer.close()


async def python_load(url: str, seconds: int, connections: int) -> LoadResult:
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or 80
    path = parts.path or "/"
    request = f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: keep-alive\r\n\r\n"
    latencies: list[float] = []
    counts = _Counts()
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(
            _drive_connection(host, port, request.encode(), deadline, latencies, counts)
            for _ in range(connections)
        )
    )
    elapsed = time.perf_counter() - started
    latencies.sort()
    if not latencies:
        raise BenchError(f"no response from {url}")

    def percentile(fraction: float) -> float:
        return latencies[min(len(latencies) - 1, int(fraction * len(latencies)))] * 1000.0

    return LoadResult(
        requests=len(latencies),
        seconds=elapsed,
        requests_per_s=len(latencies) / elapsed,
        p50_ms=percentile(0.50),
        p99_ms=percentile(0.99),
        non_2xx=counts.non_2xx,
        socket_errors=counts.socket_errors,
    )


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen", description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--seconds", type=int, required=True)
    parser.add_argument("--connections", type=int, default=CONNECTIONS)
    args = parser.parse_args()
    load = python_load(args.url, args.seconds, args.connections)
    try:
        import uvloop
    except ImportError:
        result = asyncio.run(load)
    else:
        result = uvloop.run(load)
    sys.stdout.write(msgspec.json.encode(result).decode() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
