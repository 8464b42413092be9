#!/usr/bin/env python
"""Benchmark ektp-admin against stock Flask-Admin and raw SQL on one database.

    python bench/run.py --database-url URL --residents 1288630 [--reuse]

Builds the data with the project's demo generator (``build_demo``) unless the
database already holds that many residents, measures every operation in the
three implementations (median of warm runs, memory of exports in a fresh
process), prints a markdown table and writes it to
``bench/results/<database>-<residents>.md``. See bench/README.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))

import data  # noqa: E402
import report  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from bench_app import USER_HEADER, create_bench_app  # noqa: E402
from measure import StreamTiming, time_call, time_stream  # noqa: E402
from ops import Bench, Operation, Params, discover  # noqa: E402
from server import Server  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

DEFAULT_URL = f"sqlite:///{RESULTS / 'bench.sqlite'}"
BANYUWANGI = 1_288_630
IMPLS = ("ektp", "stock", "raw")
IMPL_TITLES = {"ektp": "ektp-admin", "stock": "stock Flask-Admin", "raw": "raw SQL"}
LOAD_AT_START = "?"
GUNICORN_DEFAULT_TIMEOUT = 30.0


def default_reference_date() -> dt.date:
    """The day the demo data is built around (ages and "outstanding" depend on it)."""
    try:
        from ektp_admin import demo

        for name in ("DEMO_TODAY", "REFERENCE_DATE"):
            value = getattr(demo, name, None)
            if isinstance(value, dt.date):
                return value
    except ImportError:
        pass
    return dt.date(2016, 9, 21)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("EKTP_BENCH_DATABASE_URL", DEFAULT_URL),
                        help="SQLAlchemy URL (default: SQLite file bench/results/bench.sqlite)")
    parser.add_argument("--residents", type=int, default=BANYUWANGI, help="residents to build (default 1,288,630)")
    parser.add_argument("--preset", choices=["banyuwangi"],
                        help="build `flask ektp demo --preset banyuwangi` (exactly 1,288,630 wajib KTP) instead of --residents")
    parser.add_argument("--seed", type=int, default=2016, help="demo generator seed")
    parser.add_argument("--reuse", action="store_true", help="never rebuild: measure whatever data is there")
    parser.add_argument("--rebuild", action="store_true", help="rebuild even when the size matches")
    parser.add_argument("--runs", type=int, default=5, help="timed warm runs per cell and round (median reported)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="interleaved rounds: every cell measured once per round, the median over all (default 1)")
    parser.add_argument("--budget", type=float, default=180.0,
                        help="seconds one cell may take in total; slower baselines get fewer runs")
    parser.add_argument("--only", help="comma-separated operation keys (default: all)")
    parser.add_argument("--build-only", action="store_true", help="build the data (if needed) and stop")
    parser.add_argument("--no-stock", action="store_true", help="skip stock Flask-Admin")
    parser.add_argument("--no-explain", action="store_true", help="skip the query-plan appendix")
    parser.add_argument("--no-analyze", action="store_true", help="do not refresh planner statistics after a build")
    parser.add_argument("--reference-date", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--output", type=Path, help="report path (default bench/results/<db>-<n>.md)")
    parser.add_argument("--probe", type=Path,
                        help="the server worker writes its own time per request here (python bench/probe.py FILE sums it up)")
    parser.add_argument("--json", type=Path, help="also write each cell's median here (bench/scale.py reads it)")
    return parser.parse_args(argv)


def echo(message: Any) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------- statement capture


class Capture:
    """Records the statements an engine runs (and how long ``execute`` took) while on."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.on = False
        self.items: list[tuple[str, Any, float]] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        started = conn.info["bench_started"].pop()
        if self.on:
            self.items.append((statement, parameters, time.perf_counter() - started))

    def run(self, fn: Any) -> list[tuple[str, Any, float]]:
        self.items, self.on = [], True
        try:
            fn()
        finally:
            self.on = False
        return self.items


def diagnostics(bench: Bench, engine: sa.Engine, ops: list[Operation], include_stock: bool) -> str:
    """Per operation: the statements each view ran, and the plan of its slowest SELECT."""
    capture = Capture(engine)
    out = ["## Appendix: statements and plans", "",
           "Statements each view ran in one warm request, with the time `cursor.execute` took "
           "(to the first row on SQLite, the whole result on PostgreSQL with a client-side cursor), "
           "and the plan of the slowest SELECT.", ""]
    for op in ops:
        for impl in ("ektp", "stock"):
            target = getattr(op, impl)
            if target is None or (impl == "stock" and (not include_stock or op.kind == "summary")):
                continue
            if target.url is None:
                continue
            client = bench.app.test_client()
            headers = {USER_HEADER: f"clerk:{target.clerk}"} if target.clerk else {}

            def runner(url: str = target.url, headers: dict[str, str] = headers) -> None:
                response = client.get(url, headers=headers)
                response.get_data()
                response.close()

            try:
                items = capture.run(runner)
            except Exception as exc:  # noqa: BLE001
                out.append(f"### {op.key} / {IMPL_TITLES[impl]}: error {type(exc).__name__}: {exc}\n")
                continue
            out.append(f"### {op.key} / {IMPL_TITLES[impl]}: {len(items)} statements")
            out.append("")
            out.append("```")
            # Consecutive runs of the same statement (an export's batches) on one line.
            groups: list[list[Any]] = []
            for statement, _, took in items:
                if groups and groups[-1][0] == statement:
                    groups[-1][1].append(took)
                else:
                    groups.append([statement, [took]])
            for statement, times in groups:
                one_line = " ".join(statement.split())
                text = f"{one_line[:400]}{'...' if len(one_line) > 400 else ''}"
                if len(times) == 1:
                    out.append(f"{times[0] * 1000:9.1f} ms  {text}")
                else:
                    out.append(f"{sum(times) * 1000:9.1f} ms  {len(times)} x (max {max(times) * 1000:.1f} ms)  {text}")
            out.append("```")
            selects = [i for i in items if i[0].lstrip().upper().startswith(("SELECT", "WITH"))]
            if selects:
                statement, parameters, _ = max(selects, key=lambda i: i[2])
                try:
                    with engine.connect() as conn:
                        plan = report.explain(conn, statement, parameters)
                except Exception as exc:  # noqa: BLE001
                    plan = f"(no plan: {type(exc).__name__}: {exc})"
                out += ["", "Plan of the slowest SELECT:", "", "```", plan, "```"]
            out.append("")
    return "\n".join(out)


# ---------------------------------------------------------------------- the run


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    global LOAD_AT_START
    LOAD_AT_START = report.loadavg()
    url = args.database_url
    dialect = make_url(url).get_backend_name()
    reference_date = args.reference_date or default_reference_date()
    build_note = "reused"

    # 1. data
    existing = data.resident_count(url)
    if args.reuse:
        if not existing:
            echo(f"--reuse: no residents in {report.redact(url)}; run without --reuse to build them.")
            return 2
        if existing != args.residents:
            echo(f"--reuse: measuring the {existing:,} residents there (asked {args.residents:,}).")
    elif args.preset and not args.rebuild and data.preset_built(url, args.preset):
        echo(f"The {args.preset} preset is already in {report.redact(url)} ({existing:,} residents): not rebuilding.")
    elif existing == args.residents and not args.rebuild and not args.preset:
        echo(f"{existing:,} residents already in {report.redact(url)}: not rebuilding.")
    else:
        what = f"the {args.preset} preset" if args.preset else f"{args.residents:,} residents"
        echo(f"Building {what} (seed {args.seed}) into {report.redact(url)}"
             f"{f' (replacing {existing:,})' if existing else ''} ...")
        data.wipe(url)
        build_app = create_bench_app(url, reference_date)
        took = data.build(build_app, args.residents, args.seed, echo, preset=args.preset)
        build_note = f"built by build_demo in {took / 60:.1f} min"
        if not args.no_analyze:
            took = data.analyze(url)
            build_note += f", then {'VACUUM ANALYZE' if dialect == 'postgresql' else 'ANALYZE'} ({took:.0f} s)"
        echo(build_note)

    if args.build_only:
        return 0

    # 2. the server, a raw engine, parameters
    app = create_bench_app(url, reference_date)  # in-process: URLs, filters, the statements appendix
    with app.app_context():
        from ektp_admin import models

        app_engine = models.db.engine
    raw_engine = sa.create_engine(url)
    echo("Reading parameters from the data ...")
    params = discover(raw_engine, reference_date)
    server = Server(url, reference_date.isoformat(), RESULTS / "bench-server.log", probe=args.probe)
    try:
        bench = Bench(app, server.base, raw_engine, params)
        bench.warmup()
        ops = bench.operations()
        if args.only:
            wanted = set(args.only.split(","))
            ops = [op for op in ops if op.key in wanted]
        impls = [i for i in IMPLS if not (args.no_stock and i == "stock")]
        results, memory = measure(args, server, ops, impls)
        checks = same_rows(ops)
        server_peak = server.rss_peak()
    finally:
        server.stop()

    # 4. checks
    for op in ops:
        if op.kind == "export":
            counts = {impl: results[op.key, impl].runs[-1].lines - 1 for impl in impls
                      if (op.key, impl) in results and results[op.key, impl].runs}
            checks.append(f"- {op.key}: lines after the header: "
                          + ", ".join(f"{IMPL_TITLES[i]} {n:,}" for i, n in counts.items()))
    peaks = [v for v in (*memory.values(), server_peak) if v is not None]
    checks.append(f"- the server worker's peak RSS over the run: {report.fmt_mb(max(peaks) if peaks else None)}")

    # 5. appendix
    appendix = "" if args.no_explain else diagnostics(bench, app_engine, ops, "stock" in impls)

    text = render(args, url, params, ops, impls, results, memory, checks, appendix, build_note)
    out = args.output or RESULTS / f"{dialect}-{params.residents}.md"
    out.write_text(text)
    if args.json:
        args.json.write_text(json.dumps(medians(url, params, ops, results), indent=1))
    print(text.split("\n## Appendix")[0])
    echo(f"Written to {out}")
    return 0


def medians(url: str, p: Params, ops: list[Operation], results: dict[tuple[str, str], Any]) -> dict[str, Any]:
    """Each cell's median in seconds (an export's: to the last byte), for bench/scale.py."""
    cells: dict[str, Any] = {}
    for op in ops:
        row: dict[str, Any] = {"label": op.label, "kind": op.kind, "target": op.target, "ratio": op.ratio,
                               "matches": p.matches.get(op.key)}
        for impl in IMPLS:
            cell = results.get((op.key, impl))
            if cell is not None and not cell.error:
                row[impl] = cell.median("total") if op.kind == "export" else cell.median
        cells[op.key] = row
    return {"database": make_url(url).get_backend_name(), "residents": p.residents,
            "outstanding": p.matches.get("outstanding_total"),
            "run": dt.datetime.now().isoformat(timespec="minutes"), "load": report.loadavg(), "cells": cells}


def same_rows(ops: list[Operation]) -> list[str]:
    """Does each page list the rows the raw SELECT returns, in the same order?"""
    checks = []
    for op in ops:
        if op.check is None:
            continue
        try:
            ours, raw = op.check()
            same = "same NIKs in the same order" if ours == raw else f"DIFFERENT (ektp {ours[:3]}..., raw {raw[:3]}...)"
            checks.append(f"- {op.key}: ektp-admin lists {len(ours)} rows, raw SQL returns {len(raw)}: {same}")
        except Exception as exc:  # noqa: BLE001
            checks.append(f"- {op.key}: check failed: {type(exc).__name__}: {exc}")
    return checks


def measure(args: argparse.Namespace, server: Server, ops: list[Operation],
            impls: list[str]) -> tuple[dict[tuple[str, str], Any], dict[tuple[str, str], int | None]]:
    """Every cell, one at a time, in ``--rounds`` interleaved rounds (each round every
    cell once: a slow spell of a shared machine falls on several cells a little rather
    than on one a lot); exports also note the server worker's RSS peak while they ran."""
    results: dict[tuple[str, str], Any] = {}
    memory: dict[tuple[str, str], int | None] = {}
    for round_number in range(1, args.rounds + 1):
        if args.rounds > 1:
            echo(f"Round {round_number} of {args.rounds}")
        for op in ops:
            for impl in impls:
                target = getattr(op, impl)
                if target is None:
                    continue
                echo(f"  {op.key:18s} {IMPL_TITLES[impl]:18s} ...")
                if op.kind == "export":
                    watched = impl != "raw" and server.reset_peak()
                    cell = time_stream(target.stream, args.runs, max_seconds=args.budget)
                    if watched:
                        peak = server.rss_peak()
                        memory[op.key, impl] = max(filter(None, (memory.get((op.key, impl)), peak)), default=None)
                else:
                    cell = time_call(target.run, args.runs, max_seconds=args.budget)
                echo(f"    -> {cell.error or _cell_summary(cell)}")
                results[op.key, impl] = _merged(results.get((op.key, impl)), cell, args.runs * args.rounds)
    return results, memory


def _merged(before: Any, cell: Any, wanted: int) -> Any:
    """A cell's runs of every round so far in one (its first error kept)."""
    if before is None or before.error:
        merged = before or cell
    elif cell.error:
        merged = cell
    else:
        merged = before
        if isinstance(cell, StreamTiming):
            merged.runs.extend(cell.runs)
        else:
            merged.samples.extend(cell.samples)
    done = len(merged.runs if isinstance(merged, StreamTiming) else merged.samples)
    merged.note = f"{done} run{'s' if done != 1 else ''}" if done < wanted else None
    return merged


def _cell_summary(cell: Any) -> str:
    if isinstance(cell, StreamTiming):
        return (f"first byte {report.fmt_s(cell.median('first_byte'))}, first row {report.fmt_s(cell.median('first_row'))}, "
                f"total {report.fmt_s(cell.median('total'))}")
    return f"median {report.fmt_s(cell.median)} ({cell.spread})"


def _cell(cell: Any, attr: str | None = None, note: str = "") -> str:
    if cell is None:
        return "n/a"
    if cell.error:
        return f"error: {cell.error[:80]}"
    value = cell.median(attr) if attr else cell.median
    extra = [x for x in (note, cell.note) if x]
    return report.fmt_s(value) + (f" ({', '.join(extra)})" if extra else "")


def render(args: argparse.Namespace, url: str, p: Params, ops: list[Operation], impls: list[str],
           results: dict[tuple[str, str], Any], memory: dict[tuple[str, str], int | None], checks: list[str],
           appendix: str, build_note: str) -> str:
    header = ["operation", "ektp-admin", "stock Flask-Admin", "raw SQL", "ektp / raw", "budget", "PASS/FAIL"]
    rows: list[list[str]] = []
    matches = p.matches

    def cells(op: Operation, attr: str | None = None) -> list[str]:
        out = []
        for impl in IMPLS:
            impl_obj = getattr(op, impl)
            if impl not in impls or impl_obj is None:
                out.append("n/a")
                continue
            out.append(_cell(results.get((op.key, impl)), attr, impl_obj.note))
        return out

    def value(op: Operation, impl: str, attr: str | None = None) -> float | None:
        cell = results.get((op.key, impl))
        if cell is None or cell.error:
            return None
        return cell.median(attr) if attr else cell.median

    def ratio(op: Operation, attr: str | None = None) -> str:
        ours, raw = value(op, "ektp", attr), value(op, "raw", attr)
        return f"{ours / raw:.1f}x" if ours and raw else "-"

    for op in ops:
        if op.kind != "export":
            label = op.label
            if op.key in matches:
                label += f" ({matches[op.key]:,} match{'es' if matches[op.key] != 1 else ''})"
            rows.append([label, *cells(op), ratio(op), report.fmt_target(op.target) if op.target else "-",
                         verdict_of(value(op, "ektp"), op.target, results.get((op.key, "ektp")))])
            continue
        ours = results.get((op.key, "ektp"))
        floor = value(op, "raw", "total")
        budget = floor * op.ratio if floor is not None and op.ratio else None
        rows.append([f"{op.label}: to the last byte", *cells(op, "total"), ratio(op, "total"),
                     f"<= {op.ratio:g}x raw ({report.fmt_s(budget)})" if budget else "-",
                     verdict_of(value(op, "ektp", "total"), budget, ours)])
        rows.append([f"{op.label}: first byte", *cells(op, "first_byte"), "-", "-", "info"])
        total = value(op, "ektp", "total")
        rows.append([f"{op.label}: inside gunicorn's default timeout", report.fmt_s(total), "", "", "-",
                     f"< {GUNICORN_DEFAULT_TIMEOUT:g} s", verdict_of(total, GUNICORN_DEFAULT_TIMEOUT, ours)])
        rss = [report.fmt_mb(memory.get((op.key, i))) if (op.key, i) in memory else "n/a" for i in IMPLS]
        rows.append([f"{op.label}: server worker's peak RSS", *rss, "-", "-", "info"])

    dialect = make_url(url).get_backend_name()
    lines = [
        f"# ektp-admin benchmark: {dialect}, {p.residents:,} residents",
        "",
        f"Run {dt.datetime.now().strftime('%Y-%m-%d %H:%M')}; code {report.code_version()}.",
        "",
        "Command:",
        "",
        "```",
        "python bench/run.py " + " ".join(_shown_args(args)),
        "```",
        "",
    ]
    lines += [f"- {k}: {v}" for k, v in report.machine_info(url)]
    lines.append(f"- Load average (1/5/15 min) at the start: {LOAD_AT_START}; at the end: {report.loadavg()}")
    size = data.database_size(url)
    lines += [
        f"- Data: {p.residents:,} residents, {p.desa_total} desa ({build_note}); database size "
        f"{report.fmt_mb(size) if size else '?'}; reference date {p.reference_date.isoformat()}",
        f"- Each cell: median of {args.runs} warm run{'s' if args.runs != 1 else ''} after one untimed warm-up"
        f"{f' in each of {args.rounds} interleaved rounds (every cell once a round)' if args.rounds > 1 else ''} (fewer when noted, "
        f"when one run exceeds the {args.budget:.0f} s cell budget / {args.runs}). ektp-admin and stock Flask-Admin "
        "over HTTP from gunicorn (one sync worker) on loopback, the same client for both, body read to the last "
        "byte; raw SQL in the benchmark's process (no HTTP, no HTML): the floor. Memory: the server worker's "
        "RSS high-water mark while the cell ran (reset before it).",
        "",
        report.table(rows, header),
        "",
        "Spread of the timed runs (min-max), to judge the noise of a shared machine:",
        "",
        report.table(spread_rows(ops, impls, results), ["operation", "ektp-admin", "stock Flask-Admin", "raw SQL"]),
        "",
        "Parameters (read from the data):",
        "",
        f"- NIK exact: `{p.nik}` (the resident in the middle of the id range); prefix `{p.nik_prefix}`; "
        f"name prefix `{p.name_prefix}` (that resident's first name)",
        f"- One desa: {p.desa_name} `{p.desa_code}` (the largest, {p.desa_residents:,} residents; "
        f"{matches.get('list_filtered', 0):,} outstanding; the stock filters match "
        f"{matches.get('list_filtered_stock', 0):,}: they cannot express \"or ever married\")",
        f"- The clerk: of {p.big_kecamatan_name} `{p.big_kecamatan_code}` (the largest kecamatan, "
        f"{p.big_kecamatan_residents:,} residents)",
        f"- Outstanding in the regency: {matches.get('outstanding_total', 0):,}",
        "",
        "Checks:",
        "",
        *checks,
        "",
        appendix,
    ]
    return "\n".join(lines)


def spread_rows(ops: list[Operation], impls: list[str], results: dict[tuple[str, str], Any]) -> list[list[str]]:
    def spread(cell: Any, attr: str | None) -> str:
        if cell is None or cell.error:
            return "n/a"
        values = [getattr(r, attr) for r in cell.runs] if attr else cell.samples
        if not values:
            return "n/a"
        return f"{report.fmt_s(min(values))} - {report.fmt_s(max(values))} ({len(values)})"

    rows = []
    for op in ops:
        attrs = [("total", "to the last byte")] if op.kind == "export" else [(None, "")]
        for attr, what in attrs:
            rows.append([op.key + (f": {what}" if what else "")]
                        + [spread(results.get((op.key, i)), attr) if i in impls else "n/a" for i in IMPLS])
    return rows


def verdict_of(value: float | None, target: float | None, cell: Any) -> str:
    return report.verdict(value, target, getattr(cell, "error", None) if cell else "not measured")


def _shown_args(args: argparse.Namespace) -> list[str]:
    shown = [] if args.database_url == DEFAULT_URL else ["--database-url", report.redact(args.database_url)]
    shown += ["--residents", str(args.residents)]
    for flag in ("reuse", "rebuild", "no_stock", "no_explain", "no_analyze"):
        if getattr(args, flag):
            shown.append("--" + flag.replace("_", "-"))
    if args.runs != 5:
        shown += ["--runs", str(args.runs)]
    if args.only:
        shown += ["--only", args.only]
    if args.seed != 2016:
        shown += ["--seed", str(args.seed)]
    return shown


if __name__ == "__main__":
    sys.exit(main())
