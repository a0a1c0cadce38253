"""Support for end-to-end tests: a real server process, set up the way the README tells operators to."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from conftest import IN_CI, ROOT, SHARED_DATA

UN_FILE = SHARED_DATA / "watchlists" / "un" / "consolidated.xml"
CHROMIUM = os.environ.get("SCREENING_TEST_CHROMIUM", "/usr/bin/chromium")


@dataclass
class LiveServer:
    base_url: str
    api_key: str
    env: dict[str, str]
    process: subprocess.Popen[str]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def flask(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run `flask --app service ARGS` as an operator would."""
    cmd = [sys.executable, "-m", "flask", "--app", "service", *args]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


def server_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("SCREENING_")},
        "SCREENING_DATABASE__URL": database_url,
        "SCREENING_APP__INSTANCE_DIR": str(tmp_path / "instance"),
        "PYTHONPATH": str(ROOT),
        "SCREENING_SCHEDULER__EMBEDDED": "false",  # no scheduled refreshes (network) in tests
    }


def start_server(env: dict[str, str]) -> LiveServer:
    """Migrate, import the UN list, create a key and start `flask run`; wait until it answers."""
    if not UN_FILE.exists():
        pytest.skip(f"UN list not found at {UN_FILE}")
    for args in (("db", "upgrade"), ("lists", "import", "un_sc", str(UN_FILE))):
        done = flask(env, *args)
        assert done.returncode == 0, done.stderr
    created = flask(env, "apikeys", "create", "e2e", "--role", "officer")
    assert created.returncode == 0, created.stderr
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "service", "run", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    server = LiveServer(f"http://127.0.0.1:{port}", created.stdout.strip(), env, process)
    _wait_until_up(server)
    return server


def stop_server(server: LiveServer) -> str:
    """Stop the server; returns everything it printed."""
    server.process.terminate()
    return server.process.communicate(timeout=10)[0]


def _wait_until_up(server: LiveServer, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"server exited: {server.process.communicate()[0]}")
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("server did not come up")


@pytest.fixture
def chromium_path() -> str:
    """Debian's Chromium (`make browser` installs it); skips without it, fails under CI=true."""
    path = shutil.which(CHROMIUM) or (CHROMIUM if os.access(CHROMIUM, os.X_OK) else None)
    if path is None:
        reason = f"Chromium not found at {CHROMIUM}; run `make browser`"
        if IN_CI:
            pytest.fail(f"CI=true requires the browser tests: {reason}", pytrace=False)
        pytest.skip(reason)
    return path
