#!/usr/bin/env python
"""CSV exports over HTTP through gunicorn: ektp-admin vs stock Flask-Admin vs the raw floor.

    python bench/export_bench.py --database-url sqlite:////abs/path/banyuwangi.sqlite [--rounds 3]

Three gunicorn servers (one sync worker each, gunicorn's default 30 s timeout, as a
portal would run them) serve the same app (``export_wsgi``) on one database; one
client downloads each export to its last byte, rounds interleaved (the order of the
three rotates each round), and the table gives the median and the spread, the ratio
to the raw floor (one SELECT + ``csv.writer``, served by the same server) and PASS/FAIL
against issue 13's budget of 1.3x that floor. A download the server cut off (the
worker killed by the timeout) is reported as such, with how much arrived. Each
server's peak RSS (``VmHWM`` of its worker) is read at the end.

The rows (issue 13's table): every outstanding resident of the regency (as the
supervisor), a clerk's whole kecamatan (as that clerk: the reach clause), every
resident. Stock Flask-Admin cannot say "outstanding" (a derived fact): its nearest
filters are used, as in ``run.py``; it has no clerk, so a kecamatan filter stands in.
Build the data first (``python bench/run.py --preset banyuwangi --build-only``).
"""
from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import sqlalchemy as sa  # noqa: E402
from bench_app import create_bench_app, filter_arg, stock_filter_classes  # noqa: E402
from ops import OUTSTANDING, Bench, discover  # noqa: E402

from ektp_admin.domain.enums import Citizenship  # noqa: E402

BUDGET = 1.3
IMPLS = ("ektp", "raw", "stock")


@dataclass
class Fetch:
    seconds: float
    size: int
    lines: int
    complete: bool
    trailer: str = ""
    error: str = ""
    cpu: float = float("nan")  # CPU seconds the server's worker spent on it


@dataclass
class Case:
    key: str
    title: str
    paths: dict[str, str]
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    stock_rounds: int | None = None  # None: every round
    warm: bool = True  # a warm-up download first (not for the full export: minutes each)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(url: str, reference_date: dt.date, log: Path, worker_class: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {**os.environ, "EKTP_BENCH_DATABASE_URL": url, "EKTP_BENCH_REFERENCE_DATE": reference_date.isoformat()}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "1", "--worker-class", worker_class, "--bind", f"127.0.0.1:{port}", "--chdir", str(HERE),
         "export_wsgi:app"],
        env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/raw/export.csv?case=kecamatan&kec=none")
            conn.getresponse().read()
            conn.close()
            return proc, port
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError(f"gunicorn did not start (see {log})")


def worker_pid(master: int) -> int | None:
    try:
        return int(Path(f"/proc/{master}/task/{master}/children").read_text().split()[0])
    except (OSError, IndexError, ValueError):
        return None


def worker_cpu(master: int) -> float:
    """CPU seconds (user + system) the master's worker has used so far."""
    pid = worker_pid(master)
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def worker_peak_rss(master: int) -> int | None:
    """VmHWM (bytes) of the master's worker: the high-water mark of its resident memory."""
    try:
        for line in Path(f"/proc/{worker_pid(master)}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, IndexError):
        return None
    return None


def fetch(port: int, path: str, headers: dict[str, str], timeout: float) -> Fetch:
    started = time.perf_counter()
    size = lines = 0
    tail = b""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        if response.status != 200:
            return Fetch(time.perf_counter() - started, 0, 0, False, error=f"HTTP {response.status}")
        while chunk := response.read1(1 << 20):
            size += len(chunk)
            lines += chunk.count(b"\n")
            tail = (tail + chunk)[-200:]
        complete = True
        error = ""
    except (http.client.HTTPException, OSError) as exc:  # the worker was killed mid-answer
        complete, error = False, type(exc).__name__
    finally:
        conn.close()
    seconds = time.perf_counter() - started
    last = tail.rstrip(b"\r\n").rsplit(b"\n", 1)[-1].decode("utf-8", "replace")
    return Fetch(seconds, size, lines, complete, last if last.lstrip('"').startswith("#") else "", error)


def cases(bench: Bench) -> list[Case]:
    p, c = bench.p, stock_filter_classes()
    ev, sv = bench.ektp_view, bench.stock_view
    outstanding_ektp = bench.url("ektp_residents.export", export_type="csv",
                                 **bench.ektp_filters([(filter_arg(ev, name="Outstanding"), "1")]))
    outstanding_stock = bench.url("stock_residents.export", export_type="csv", **bench.ektp_filters([
        (filter_arg(sv, column="ktp_status", cls=c["in_list"]), ",".join(OUTSTANDING)),
        (filter_arg(sv, column="birth_date", cls=c["date_smaller"]), (p.wajib_cutoff + dt.timedelta(days=1)).isoformat()),
        (filter_arg(sv, column="citizenship", cls=c["not_equal"]), Citizenship.WNA_OTHER.value),
    ]))
    kec_stock = bench.url("stock_residents.export", export_type="csv", **bench.ektp_filters([
        (filter_arg(sv, column="kecamatan_code", cls=c["equal"]), p.export_kecamatan_code)]))
    every = bench.url("ektp_residents.export", export_type="csv")
    return [
        Case("outstanding", "CSV, every outstanding resident (supervisor)",
             {"ektp": outstanding_ektp, "raw": "/raw/export.csv?case=outstanding", "stock": outstanding_stock}),
        Case("kecamatan", f"CSV, a clerk's whole kecamatan ({p.export_kecamatan_name})",
             {"ektp": every, "raw": f"/raw/export.csv?case=kecamatan&kec={p.export_kecamatan_code}", "stock": kec_stock},
             headers={"ektp": {"X-Bench-Clerk": p.export_kecamatan_code}}),
        Case("all", "CSV, every resident (supervisor)",
             {"ektp": every, "raw": "/raw/export.csv?case=all",
              "stock": bench.url("stock_residents.export", export_type="csv")}, stock_rounds=1, warm=False),
    ]


def describe(fetches: list[Fetch]) -> str:
    if not fetches:
        return "-"
    done = [f for f in fetches if f.complete]
    if not done:
        f = fetches[0]
        return f"cut off at {f.seconds:.1f} s after {f.size / 1e6:.1f} MB ({f.error})"
    times = sorted(f.seconds for f in done)
    median = statistics.median(times)
    text = f"{median * 1000:,.0f} ms" if median < 10 else f"{median:.1f} s"
    if len(times) > 1:
        text += f" ({times[0]:.2f}-{times[-1]:.2f} s)"
    cpu = statistics.median(f.cpu for f in done)
    if cpu == cpu:  # not NaN
        text += f", CPU {cpu:.1f} s"
    if len(done) < len(fetches):
        text += f", {len(fetches) - len(done)} cut off"
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--reference-date", type=dt.date.fromisoformat, default=dt.date(2016, 9, 21))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", help="comma-separated cases (outstanding, kecamatan, all)")
    parser.add_argument("--no-stock", action="store_true")
    parser.add_argument("--client-timeout", type=float, default=600)
    parser.add_argument("--output", type=Path)
    parser.add_argument("--worker-class", default="sync",
                        help="gunicorn worker class (sync: the default, whose 30 s timeout kills a long answer; "
                             "gthread keeps the worker's heartbeat while a request streams)")
    args = parser.parse_args(argv)

    engine = sa.create_engine(args.database_url)
    params = discover(engine, args.reference_date)
    bench = Bench(create_bench_app(args.database_url, args.reference_date), engine, params)
    chosen = [c for c in cases(bench) if not args.only or c.key in args.only.split(",")]
    impls = [i for i in IMPLS if not (args.no_stock and i == "stock")]
    log = HERE / "results" / "export_bench_gunicorn.log"
    log.parent.mkdir(exist_ok=True)
    load_before = os.getloadavg()
    servers = {impl: start_server(args.database_url, args.reference_date, log, args.worker_class) for impl in impls}
    results: dict[tuple[str, str], list[Fetch]] = {}
    try:
        for impl in impls:  # warm: code, templates, connections, the page cache
            for case in chosen:
                if case.warm and (impl != "stock" or case.stock_rounds is None):
                    fetch(servers[impl][1], case.paths[impl], case.headers.get(impl, {}), args.client_timeout)
        for number in range(args.rounds):
            for case in chosen:
                order = impls[number % len(impls):] + impls[:number % len(impls)]
                for impl in order:
                    if impl == "stock" and case.stock_rounds is not None and number >= case.stock_rounds:
                        continue
                    master = servers[impl][0].pid
                    cpu = worker_cpu(master)
                    got = fetch(servers[impl][1], case.paths[impl], case.headers.get(impl, {}), args.client_timeout)
                    got.cpu = worker_cpu(master) - cpu
                    results.setdefault((case.key, impl), []).append(got)
                    print(f"round {number + 1} {case.key:12s} {impl:6s} {got.seconds:7.2f} s {got.size / 1e6:8.1f} MB "
                          f"{got.lines:>9,} lines cpu {got.cpu:6.2f} s {'complete' if got.complete else 'CUT OFF ' + got.error} {got.trailer}",
                          flush=True)
        peaks = {impl: worker_peak_rss(proc.pid) for impl, (proc, _port) in servers.items()}
    finally:
        for proc, _port in servers.values():
            proc.terminate()
        for proc, _port in servers.values():
            proc.wait(30)
        engine.dispose()
    load_after = os.getloadavg()

    out = [f"Exports over HTTP, gunicorn 1 {args.worker_class} worker (default 30 s timeout) per implementation, "
           f"{params.residents:,} residents, {args.rounds} interleaved rounds, median (min-max); "
           f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after "
           f"(2 vCPU shared with other engineers' test suites).", "",
           "| export | rows | ektp-admin | raw floor (SELECT + csv.writer) | ratio | budget 1.3x | stock Flask-Admin |",
           "|---|---|---|---|---|---|---|"]
    for case in chosen:
        ektp, raw, stock = (results.get((case.key, i), []) for i in IMPLS)
        ok_e = [f.seconds for f in ektp if f.complete]
        ok_r = [f.seconds for f in raw if f.complete]
        ratio = statistics.median(ok_e) / statistics.median(ok_r) if ok_e and ok_r else None
        rows = max((f.lines for f in ektp if f.complete), default=0) - 2  # less header and trailer
        verdict = "-" if ratio is None else ("PASS" if ratio <= BUDGET and all(f.complete for f in ektp) else "FAIL")
        out.append(f"| {case.title} | {rows:,} | {describe(ektp)} | {describe(raw)} | "
                   f"{'-' if ratio is None else f'{ratio:.2f}x'} | {verdict} | {describe(stock)} |")
    out.append("")
    out.append("Server peak RSS (VmHWM of the worker, whole run): " + ", ".join(
        f"{impl} {peak / 1e6:,.0f} MB" if peak else f"{impl} ?" for impl, peak in peaks.items()))
    trailers = {f.trailer for (key, impl), fs in results.items() if impl == "ektp" for f in fs}
    out.append("ektp-admin's last lines: " + "; ".join(sorted(t for t in trailers if t)))
    text = "\n".join(out)
    print("\n" + text)
    if args.output:
        args.output.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
