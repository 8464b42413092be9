#!/usr/bin/env python
"""Benchmark the residents export over HTTP through a real WSGI server: CSV and
XLSX side by side, the server's peak RSS and the time to the last byte.

    python bench/export_bench.py                        # the SQLite file bench/run.py built
    python bench/export_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1/ektp_bench

Uses the data ``bench/run.py`` built (``--build-only`` builds it). For each
format and each size (one kecamatan, ~50,000 rows, and the whole regency,
1,288,630 rows at Banyuwangi's size) a fresh gunicorn (one sync worker, no
worker timeout) serves the bench app (``bench_app.create_bench_app``, a
supervisor who reaches every resident); after a one-row export as a warm-up,
the worker's RSS high-water mark is reset (``/proc/PID/clear_refs``), the export
is downloaded with urllib to the last byte, and the worker's ``VmHWM`` read:
the growth is what the export itself cost. Both sizes in one run show whether
memory grows with the rows. Results go to stdout and
``bench/results/export-server-<database>-<residents>.md``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

DEFAULT_URL = f"sqlite:///{RESULTS / 'bench.sqlite'}"
REFERENCE_DATE = "2016-09-21"
#: gunicorn imports this (``export_bench:wsgi_app()``) in the server process
SERVED = "export_bench:wsgi_app()"


def wsgi_app() -> object:
    """The app gunicorn serves (``EKTP_BENCH_DATABASE_URL`` names the database)."""
    from bench_app import create_bench_app

    return create_bench_app(os.environ["EKTP_BENCH_DATABASE_URL"], dt.date.fromisoformat(REFERENCE_DATE))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def status_kb(pid: int, name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(name + ":"):
            return int(line.split()[1])
    raise LookupError(name)


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(t) for t in text]
    return found


class Server:
    """One gunicorn with one sync worker on a free loopback port."""

    def __init__(self, url: str) -> None:
        self.port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("EKTP_ADMIN_", "FLASK_"))}
        env.update(EKTP_BENCH_DATABASE_URL=url, PYTHONPATH=os.pathsep.join([str(HERE), str(ROOT)]))
        RESULTS.mkdir(exist_ok=True)
        self.log_path = RESULTS / f"export-server-{self.port}.log"  # kept: a broken-off export says why there
        self.log = self.log_path.open("w+b")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "1", "--worker-class", "sync", "--timeout", "0",
             "--bind", f"127.0.0.1:{self.port}", "--chdir", str(HERE), SERVED],
            env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit("gunicorn stopped:\n" + self.output())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not start within 60 s:\n" + self.output())
        self.worker = self._worker()

    def _worker(self) -> int:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            found = children(self.process.pid)
            if found:
                return found[0]
            time.sleep(0.1)
        raise SystemExit("gunicorn started no worker")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-3000:]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def sample_rss(pid: int, done: threading.Event, every: float = 15.0) -> None:
    """The worker's RSS and high-water mark every ``every`` seconds on stderr: a long
    export shows whether its memory climbs while it runs."""
    started = time.monotonic()
    while not done.wait(every):
        try:
            print(f"      {time.monotonic() - started:6.0f} s: RSS {status_kb(pid, 'VmRSS') / 1024:.0f} MB, "
                  f"peak {status_kb(pid, 'VmHWM') / 1024:.0f} MB", file=sys.stderr, flush=True)
        except (OSError, LookupError):
            return


def download(url: str) -> tuple[float, float, int, int]:
    """(seconds to the first byte, to the last byte, bytes, newlines) of one GET."""
    started = time.perf_counter()
    first = None
    size = lines = 0
    with urllib.request.urlopen(url, timeout=3600) as response:
        if response.status != 200:
            raise SystemExit(f"{url}: HTTP {response.status}")
        while chunk := response.read1(256 * 1024):
            if first is None:
                first = time.perf_counter() - started
            size += len(chunk)
            lines += chunk.count(b"\n")
    total = time.perf_counter() - started
    return first or total, total, size, lines


def xlsx_rows(path: str) -> int:
    """Data rows of the first sheet, read with openpyxl's streaming reader."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        return sum(1 for _ in book.worksheets[0].iter_rows(values_only=True)) - 1
    finally:
        book.close()


def measure(url: str, fmt: str, query: dict[str, str], warmup_query: dict[str, str], *,
            count_xlsx: bool) -> dict[str, object]:
    server = Server(url)
    try:
        base = f"http://127.0.0.1:{server.port}/admin/residents/export/{fmt}/"
        download(base + "?" + urllib.parse.urlencode(warmup_query))  # code, templates, connections loaded
        rss_before = status_kb(server.worker, "VmRSS")
        Path(f"/proc/{server.worker}/clear_refs").write_text("5")  # VmHWM := VmRSS
        done = threading.Event()
        sampler = threading.Thread(target=sample_rss, args=(server.worker, done), daemon=True)
        sampler.start()
        try:
            first, total, size, lines = download(base + ("?" + urllib.parse.urlencode(query) if query else ""))
        finally:
            done.set()
            sampler.join()
        peak = status_kb(server.worker, "VmHWM")
        rows = lines - 1
        if fmt == "xlsx":
            rows = -1
            if count_xlsx:
                with tempfile.NamedTemporaryFile(suffix=".xlsx") as fh:
                    with urllib.request.urlopen(base + ("?" + urllib.parse.urlencode(query) if query else ""),
                                                timeout=3600) as response:
                        while chunk := response.read1(1024 * 1024):
                            fh.write(chunk)
                    fh.flush()
                    rows = xlsx_rows(fh.name)
        return {"first": first, "total": total, "bytes": size, "rows": rows, "rss_before": rss_before / 1024,
                "peak": peak / 1024, "growth": (peak - rss_before) / 1024}
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("EKTP_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--no-regency", action="store_true", help="only the one-kecamatan exports")
    parser.add_argument("--no-kecamatan", action="store_true", help="only the whole-regency exports")
    parser.add_argument("--count-xlsx", action="store_true",
                        help="download each XLSX once more and count its rows with openpyxl (slow)")
    args = parser.parse_args()
    url = args.database_url
    engine = sa.create_engine(url)
    from ektp_admin import models

    r = models.Resident.__table__
    with engine.connect() as conn:
        residents = conn.execute(sa.select(sa.func.count()).select_from(r)).scalar_one()
        if not residents:
            raise SystemExit(f"no residents in {url}: build them first (python bench/run.py --build-only)")
        per_kecamatan = conn.execute(sa.select(r.c.kecamatan_code, sa.func.count()).group_by(r.c.kecamatan_code)
                                     .order_by(r.c.kecamatan_code)).all()
        one_nik = conn.execute(sa.select(r.c.nik).order_by(r.c.id).limit(1)).scalar_one()
    engine.dispose()
    mean = residents / len(per_kecamatan)
    kecamatan, kecamatan_rows = min(per_kecamatan, key=lambda row: abs(row[1] - mean))

    from bench_app import EKTP_RESIDENTS, create_bench_app, filter_arg, find_view

    app = create_bench_app(url, dt.date.fromisoformat(REFERENCE_DATE))
    flt = filter_arg(find_view(app, EKTP_RESIDENTS), column="kecamatan_code")
    with app.app_context():
        models.db.engine.dispose()
    sizes = [] if args.no_kecamatan else [(f"one kecamatan ({kecamatan})", {f"flt0_{flt}": kecamatan}, kecamatan_rows)]
    if not args.no_regency:
        sizes.append(("whole regency", {}, residents))
    load = os.getloadavg()
    results: list[tuple[str, str, int, dict[str, Any]]] = []
    for label, query, expected in sizes:
        for fmt in args.formats.split(","):
            print(f"  {fmt.upper():4s} {label}: {expected:,} rows ...", file=sys.stderr, flush=True)
            try:
                result = measure(url, fmt, query, {"search": one_nik}, count_xlsx=args.count_xlsx)
            except Exception as exc:  # one broken export must not lose the others
                print(f"    -> failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
                results.append((label, fmt, expected, {"error": f"{type(exc).__name__}: {exc}"[:120]}))
                continue
            print(f"    -> {result}", file=sys.stderr, flush=True)
            results.append((label, fmt, expected, dict(result)))
    backend = make_url(url).get_backend_name()
    lines = [
        f"## Residents export over HTTP (gunicorn, 1 sync worker), {backend}, {residents:,} residents",
        "",
        f"{dt.datetime.now():%Y-%m-%d %H:%M}, {platform.node()}, {os.cpu_count()} CPUs, load average before "
        f"{load[0]:.1f}, after {os.getloadavg()[0]:.1f}. Command: `python bench/export_bench.py"
        f"{'' if url == DEFAULT_URL else ' --database-url ' + make_url(url).render_as_string(hide_password=True)}`",
        "",
        "| export | rows | first byte | last byte | size | worker RSS before | peak RSS | growth |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, fmt, expected, res in results:
        if "error" in res:
            lines.append(f"| {fmt.upper()}, {label} | {expected:,} | failed: {res['error']} (server log in "
                         f"bench/results/export-server-PORT.log) | | | | | |")
            continue
        rows = res["rows"]
        shown = f"{expected:,}" + ("" if rows in (-1, expected) else f" (sent {rows:,}!)")
        lines.append(f"| {fmt.upper()}, {label} | {shown} | {res['first']:.1f} s | {res['total']:.1f} s | "
                     f"{res['bytes'] / 1e6:.0f} MB | {res['rss_before']:.0f} MB | {res['peak']:.0f} MB | "
                     f"{res['growth']:+.0f} MB |")
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"export-server-{backend}-{residents}.md").write_text(text)


if __name__ == "__main__":
    main()
