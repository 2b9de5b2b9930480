"""Start and stop a real Labelwright server process for the HTTP benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`labelwright serve` in a child process on loopback."""

    def __init__(self, data_dir: Path, database_url: str | None, workers: int = 1) -> None:
        self.data_dir, self.database_url, self.workers = data_dir, database_url, workers
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        """Start the process and wait until it answers."""
        env = {**os.environ, "LABELWRIGHT_DATA_DIR": str(self.data_dir)}
        if self.database_url:
            env["LABELWRIGHT_DATABASE_URL"] = self.database_url
        cmd = [
            sys.executable,
            "-m",
            "labelwright.cli.main",
            "serve",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
        ]
        self.proc = subprocess.Popen(
            cmd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start on {self.url}")

    def cpu_seconds(self) -> float:
        """CPU time so far of every live process of the server (the supervisor and workers).

        Read from /proc (Linux): the processes of the server's session, user plus system.
        """
        if self.proc is None:
            return 0.0
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # it ended meanwhile
            if int(fields[3]) == self.proc.pid:  # the process group: the server's session
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / ticks

    def kill(self) -> None:
        """SIGKILL the whole process group (no clean shutdown)."""
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            self.proc = None

    def stop(self) -> None:
        """Terminate politely."""
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
            self.proc = None
