"""The real WSGI server the benchmark talks to: gunicorn, one sync worker.

One worker, so every request of a cell is served by the same process and its
memory can be read: :meth:`Server.reset_peak` resets the worker's RSS
high-water mark (Linux ``/proc/<pid>/clear_refs``), :meth:`Server.rss_peak`
reads it (``VmHWM``). ektp-admin and stock Flask-Admin are two admins of the
same app (``bench_app.serve``), so both are measured through the same server,
the same client and the same database connections.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _status_kb(pid: int, name: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


class Server:
    """gunicorn serving ``bench_app:serve()`` on a free loopback port."""

    def __init__(self, database_url: str, reference_date: str, log: Path, *, timeout: int = 600,
                 probe: Path | None = None) -> None:
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or shutil.which("gunicorn")
        if not gunicorn:
            raise SystemExit("gunicorn is not installed: pip install -e '.[bench]'")
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, EKTP_BENCH_DATABASE_URL=database_url, EKTP_BENCH_REFERENCE_DATE=reference_date)
        if probe is not None:  # bench/probe.py: the worker's own time per request
            probe.unlink(missing_ok=True)
            env["EKTP_BENCH_PROBE"] = str(probe.resolve())
        # A long timeout so stock Flask-Admin's whole-table export can finish and be timed;
        # ektp-admin's exports are held to gunicorn's default 30 s in the table.
        command = [gunicorn, "--workers", "1", "--bind", f"127.0.0.1:{self.port}", "--timeout", str(timeout),
                   "--chdir", str(HERE), "bench_app:serve()"]
        self.log = log
        self.process = subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn stopped at start; see {self.log}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    if self.worker_pid():
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise SystemExit(f"gunicorn did not answer within 120 s; see {self.log}")

    def worker_pid(self) -> int | None:
        try:
            children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        except OSError:
            return None
        return int(children[0]) if children else None

    def reset_peak(self) -> bool:
        pid = self.worker_pid()
        try:
            Path(f"/proc/{pid}/clear_refs").write_text("5")
            return True
        except (OSError, TypeError):
            return False

    def rss(self) -> int | None:
        pid = self.worker_pid()
        return _status_kb(pid, "VmRSS") if pid else None

    def rss_peak(self) -> int | None:
        pid = self.worker_pid()
        return _status_kb(pid, "VmHWM") if pid else None

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
