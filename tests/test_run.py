"""`hanchang run` (what `make run` calls) on a bare machine: starts, answers, stops clean;
meanwhile a command in a second terminal uses its servers."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from server.embedded import free_port


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            # The command line names the embedded servers' data; the environment names
            # it for our own children (server and worker).
            seen = b" ".join(
                (entry / part).read_bytes().replace(b"\0", b" ") for part in ("cmdline", "environ")
            ).decode(errors="replace")
        except OSError:
            continue
        if text in seen:
            found.append(f"{entry.name}: {seen[:200]}")
    return found


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_run_starts_everything_and_stops_with_nothing_left(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    port = free_port()
    data_dir = tmp_path / "hanchang-data"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "HANCHANG_PERSON_KEYS", "HANCHANG_ENV"}
    }
    env |= {"HANCHANG_DATA_DIR": str(data_dir), "HANCHANG_PORT": str(port)}
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "run", "--people", "300"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")))  # type: ignore[union-attr]
    reader.start()
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and process.poll() is None:
            if any("Press Ctrl-C" in line for line in lines):
                break
            time.sleep(0.25)
        output = "".join(lines)
        assert "Press Ctrl-C" in output, output
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as ready:
            assert ready.status == 200
        # The demo staff's one-time links open the console's passkey enrollment page.
        links = [word for word in output.split() if "/console/enroll?token=" in word]
        assert len(links) == 2, output
        local = links[0].replace("localhost", "127.0.0.1")
        with urllib.request.urlopen(local, timeout=5) as enroll:  # noqa: S310 - our loopback
            assert enroll.status == 200 and "const token" in enroll.read().decode()
        assert len(_processes_mentioning(str(data_dir))) >= 4, "server, worker, PostgreSQL, Redis"
        _second_terminal_uses_the_run(data_dir, env, process.pid)
        process.send_signal(stop_signal)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        reader.join(timeout=10)
    output = "".join(lines)
    assert process.returncode == 0, output
    assert f"http://localhost:{port}/readyz" in output
    assert "Demo people" in output
    time.sleep(0.5)
    assert _processes_mentioning(str(data_dir)) == []
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
    # Data is kept for the next run.
    assert (data_dir / "postgres" / "pgdata" / "PG_VERSION").exists()
    _second_terminal_after_the_run(data_dir, env)


def _demo_people(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """As typed in a second terminal: only the data folder in common with the run."""
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "demo-people"],
        env={key: value for key, value in env.items() if key != "HANCHANG_PORT"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _second_terminal_uses_the_run(data_dir: Path, env: dict[str, str], run_pid: int) -> None:
    """A command without DATABASE_URL / REDIS_URL finds the run through its running.json."""
    running = data_dir / "running.json"
    assert stat.S_IMODE(running.stat().st_mode) == 0o600
    written = json.loads(running.read_text())
    assert written["pid"] == run_pid
    listed = _demo_people(env)
    assert listed.returncode == 0, listed.stderr
    assert "김민준" in listed.stdout and "+821013500001" in listed.stdout, listed.stdout
    database = written["database_url"].split("@")[1].split("/")[0]
    redis = written["redis_url"].split("//")[1].split("/")[0]
    public_url = written["public_url"]
    assert listed.stderr.splitlines() == [
        f"hanchang: using the running `make run` (PostgreSQL {database}, Redis {redis}, "
        f"{public_url}) from {running}"
    ]


def _second_terminal_after_the_run(data_dir: Path, env: dict[str, str]) -> None:
    running = data_dir / "running.json"
    assert not running.exists()
    refused = _demo_people(env)
    assert refused.returncode == 2
    assert refused.stderr.splitlines() == [
        f"hanchang: setting DATABASE_URL: is not set, and no `make run` is running (no "
        f"{running}): start `make run` in another terminal, or set DATABASE_URL"
    ]
