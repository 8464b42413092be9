"""What the server worker itself spends on each request (``run.py --probe FILE``).

The client's time includes the loopback and the client; this wraps the app in
the gunicorn worker and writes one JSON line per request to ``FILE``: the path,
the worker's wall and CPU time from the first byte in to the last byte out,
the statements run and their time, how many statements SQLAlchemy had to
compile (a miss of the engine's compiled cache) or could not cache, the
garbage collections and their time, and the worker's RSS after it.

``python bench/probe.py FILE`` summarises such a file: per page, the worker's
median in each quarter of the run, so a page that slows as the worker ages
shows, and what moved with it (statements compiled, collections).
"""
from __future__ import annotations

import gc
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, Iterable

from sqlalchemy import event
from sqlalchemy.engine.interfaces import CacheStats

ENV = "EKTP_BENCH_PROBE"


class Probe:
    """WSGI middleware and SQLAlchemy listeners writing one JSON line per request."""

    def __init__(self, app: Any, engine: Any, path: str) -> None:
        self.app = app
        self.inner = app.wsgi_app
        self.out = open(path, "a", buffering=1)  # noqa: SIM115 - open for the worker's life
        self.current: dict[str, Any] | None = None
        self.gc_started = 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        gc.callbacks.append(self._gc)

    def _before(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if context is not None:
            context._probe_started = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        now = self.current
        if now is None or context is None:
            return
        now["sql_ms"] += (time.perf_counter() - getattr(context, "_probe_started", time.perf_counter())) * 1000
        now["statements"] += 1
        if getattr(context, "compiled", None) is None:
            return  # a driver-level statement (BEGIN on MariaDB, PRAGMA): nothing compiled
        hit = context.cache_hit
        if hit is CacheStats.CACHE_MISS:
            now["compiled"] += 1
        elif hit is not CacheStats.CACHE_HIT:
            now["uncached"] += 1

    def _gc(self, phase: str, info: dict[str, Any]) -> None:
        now = self.current
        if now is None:
            return
        if phase == "start":
            self.gc_started = time.perf_counter()
        else:
            now["gc"] += 1
            now["gc_ms"] += (time.perf_counter() - self.gc_started) * 1000
            now["gc_gen2"] += info.get("generation") == 2

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started, cpu = time.perf_counter(), time.process_time()
        self.current = now = {"path": environ.get("PATH_INFO", ""), "query": environ.get("QUERY_STRING", ""),
                              "sql_ms": 0.0, "statements": 0, "compiled": 0, "uncached": 0,
                              "gc": 0, "gc_ms": 0.0, "gc_gen2": 0}
        try:
            yield from self.inner(environ, start_response)
        finally:
            now["ms"] = (time.perf_counter() - started) * 1000
            now["cpu_ms"] = (time.process_time() - cpu) * 1000
            now["rss_mb"] = _rss_mb()
            now["objects"] = len(gc.get_objects()) if now["gc_gen2"] else None
            self.current = None
            self.out.write(json.dumps(now) + "\n")


def _rss_mb() -> float | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def install(app: Any) -> Any:
    """Wrap ``app`` when ``EKTP_BENCH_PROBE`` names a file (the bench app's ``serve()``)."""
    path = os.environ.get(ENV)
    if not path:
        return app
    from ektp_admin.models import db

    with app.app_context():
        engine = db.engine
    app.wsgi_app = Probe(app, engine, path)
    return app


def page_of(path: str, query: str) -> str:
    """A request's page, its numbers and codes folded (``/admin/outstanding/35.10.09.2002/`` -> ``.../<code>/``)."""
    parts = ["<n>" if p.replace(".", "").isdigit() and p else p for p in path.split("/")]
    keys = sorted({kv.split("=")[0].split("_")[0] for kv in query.split("&") if kv})
    return "/".join(parts) + (("?" + "&".join(keys)) if keys else "")


def summarise(path: Path, quarters: int = 4) -> str:
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    by_page: dict[str, list[tuple[int, dict[str, Any]]]] = defaultdict(list)
    for number, line in enumerate(lines):
        by_page[page_of(line["path"], line["query"])].append((number, line))
    span = max(len(lines), 1)
    head = ["page", "requests"] + [f"q{q + 1} ms (cpu)" for q in range(quarters)] + ["compiled", "gc", "gc ms"]
    rows = [head]
    for page, seen in sorted(by_page.items(), key=lambda kv: kv[0]):
        cells = []
        for q in range(quarters):
            part = [line for number, line in seen if number * quarters // span == q]
            cells.append(f"{statistics.median(x['ms'] for x in part):.1f} ({statistics.median(x['cpu_ms'] for x in part):.1f})"
                         if part else "-")
        rows.append([page[:70], str(len(seen)), *cells, str(sum(x["compiled"] for _, x in seen)),
                     str(sum(x["gc"] for _, x in seen)), f"{sum(x['gc_ms'] for _, x in seen):.0f}"])
    rss = [line["rss_mb"] for line in lines if line.get("rss_mb")]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    text = "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows)
    if rss:
        text += f"\n\nworker RSS: first {rss[0]:.0f} MB, last {rss[-1]:.0f} MB, peak {max(rss):.0f} MB; {len(lines)} requests"
    return text


if __name__ == "__main__":
    print(summarise(Path(sys.argv[1])))
