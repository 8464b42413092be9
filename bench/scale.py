#!/usr/bin/env python
"""How each figure grows with the data: several runs of ``bench/run.py --json`` side by side.

    python bench/run.py --database-url postgresql+psycopg://postgres@127.0.0.1/ektp_bench --reuse --json bench/results/pg-1x.json
    python bench/run.py --database-url postgresql+psycopg://postgres@127.0.0.1/ektp_bench_3x --residents 3865890 --json bench/results/pg-3x.json
    python bench/run.py --database-url postgresql+psycopg://postgres@127.0.0.1/ektp_bench_5m --residents 5000000 --json bench/results/pg-5m.json
    python bench/scale.py bench/results/pg-1x.json bench/results/pg-3x.json bench/results/pg-5m.json

``--side-by-side a.json b.json``: one size on several databases instead (each
run's ektp-admin, stock Flask-Admin and raw SQL medians, and PASS/FAIL).

Otherwise prints one markdown table: per operation, ektp-admin's median at each size (and
the raw SQL floor beside it), the growth from the first size to the last, and
PASS/FAIL against the operation's budget at every size (an export's budget is
its ratio to the raw floor measured in the same run).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import report  # noqa: E402


def verdict(cell: dict[str, Any]) -> str:
    ours = cell.get("ektp")
    if ours is None:
        return "n/a"
    if cell.get("ratio") and cell.get("raw"):
        return "PASS" if ours <= cell["ratio"] * cell["raw"] else "FAIL"
    if cell.get("target"):
        return "PASS" if ours <= cell["target"] else "FAIL"
    return "info"


def table(runs: list[dict[str, Any]]) -> str:
    sizes = [f"{run['residents']:,}" for run in runs]
    header = ["operation", *(f"{size}: ektp-admin (raw SQL)" for size in sizes),
              f"growth {sizes[0]} -> {sizes[-1]}", "budget", "PASS/FAIL"]
    rows = []
    keys = [key for key in runs[0]["cells"] if all(key in run["cells"] for run in runs)]
    for key in keys:
        cells = [run["cells"][key] for run in runs]
        first = cells[0]
        shown = []
        for cell in cells:
            text = report.fmt_s(cell.get("ektp")) if cell.get("ektp") is not None else "n/a"
            if cell.get("raw") is not None:
                text += f" ({report.fmt_s(cell['raw'])})"
            shown.append(text)
        a, b = cells[0].get("ektp"), cells[-1].get("ektp")
        growth = f"{b / a:.2f}x" if a and b else "-"
        if first.get("ratio"):
            budget = f"<= {first['ratio']:g}x raw"
        elif first.get("target"):
            budget = report.fmt_target(first["target"])
        else:
            budget = "-"
        label = first["label"] + (" (export, to the last byte)" if first.get("kind") == "export" else "")
        rows.append([label, *shown, growth, budget, " / ".join(verdict(cell) for cell in cells)])
    return report.table(rows, header)


def side_by_side(runs: list[dict[str, Any]]) -> str:
    """One size on several databases: each run's ektp-admin, stock and raw SQL medians."""
    names = [run["database"] for run in runs]
    header = ["operation"]
    for name in names:
        header += [f"{name}: ektp-admin", "stock", "raw SQL"]
    header += ["budget", " / ".join(names)]
    rows = []
    for key in [k for k in runs[0]["cells"] if all(k in run["cells"] for run in runs)]:
        cells = [run["cells"][key] for run in runs]
        first = cells[0]
        row = [first["label"] + (" (to the last byte)" if first.get("kind") == "export" else "")]
        for cell in cells:
            row += [report.fmt_s(cell[impl]) if cell.get(impl) is not None else "n/a" for impl in ("ektp", "stock", "raw")]
        if first.get("ratio"):
            budget = f"<= {first['ratio']:g}x raw"
        else:
            budget = report.fmt_target(first["target"]) if first.get("target") else "-"
        rows.append([*row, budget, " / ".join(verdict(cell) for cell in cells)])
    return report.table(rows, header)


def main(argv: list[str]) -> int:
    together = "--side-by-side" in argv
    argv = [arg for arg in argv if arg != "--side-by-side"]
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    runs = [json.loads(Path(path).read_text()) for path in argv]
    if together:
        print(side_by_side(runs))
        return 0
    runs.sort(key=lambda run: run["residents"])
    for run in runs:
        print(f"- {run['database']}, {run['residents']:,} residents ({run.get('outstanding') or 0:,} outstanding): "
              f"run {run['run']}, load average {run['load']}")
    print()
    print(table(runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
