"""Timers and memory probes: medians of warm runs, streamed responses, heap peaks."""
from __future__ import annotations

import contextlib
import gc
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator


@dataclass
class Timing:
    """Wall-clock seconds of ``runs`` warm runs (one untimed warm-up before)."""

    samples: list[float] = field(default_factory=list)
    error: str | None = None
    note: str | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None

    @property
    def spread(self) -> str:
        if not self.samples:
            return "-"
        return f"{min(self.samples) * 1000:.1f}-{max(self.samples) * 1000:.1f} ms"


@contextlib.contextmanager
def quiet_collector() -> Iterator[None]:
    """No garbage collection in this (client) process while a run is timed.

    A ``gc.collect()`` right before each run walked the bench's whole heap and left
    the shared CPU cache cold for the server's next request (2-4 ms more on a 50-row
    page than a client without it). Instead the long-lived objects are frozen out of
    collections once (``gc.freeze``), and the collector waits until the run is over.
    """
    if not gc.isenabled():
        yield
        return
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def time_call(fn: Callable[[], Any], runs: int, *, warmup: int = 1, max_seconds: float | None = None) -> Timing:
    """Median of ``runs`` calls after ``warmup`` untimed ones.

    ``max_seconds``: when the warm-up alone takes longer, fewer runs are made
    (at least one) so a slow baseline cannot hold the whole benchmark hostage;
    the cell then says how many runs it is the median of.
    """
    result = Timing()
    try:
        for _ in range(warmup):
            started = time.perf_counter()
            fn()
            first = time.perf_counter() - started
        if warmup and max_seconds is not None and first * runs > max_seconds:
            runs = max(1, int(max_seconds // max(first, 1e-9)))
            result.note = f"{runs} run{'s' if runs > 1 else ''}"
        for _ in range(runs):
            with quiet_collector():
                started = time.perf_counter()
                fn()
                result.samples.append(time.perf_counter() - started)
    except Exception as exc:  # one failing cell must not lose the others
        result.error = f"{type(exc).__name__}: {exc}"[:300]
    return result


@dataclass
class Stream:
    """One streamed download: when the first byte and first data row came, and the end."""

    first_byte: float
    first_row: float
    total: float
    nbytes: int
    lines: int


def consume(chunks: Iterable[bytes | str], started: float, *, header_lines: int = 1) -> Stream:
    """Read a streamed body to the end, noting the first byte and first data row."""
    first_byte = first_row = None
    nbytes = lines = 0
    iterator: Iterator[Any] = iter(chunks)
    try:
        for chunk in iterator:
            if not chunk:
                continue
            now = time.perf_counter()
            if first_byte is None:
                first_byte = now - started
            nbytes += len(chunk)
            lines += chunk.count(b"\n" if isinstance(chunk, bytes) else "\n")
            if first_row is None and lines > header_lines:
                first_row = now - started
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    total = time.perf_counter() - started
    return Stream(first_byte or total, first_row or total, total, nbytes, lines)


@dataclass
class StreamTiming:
    runs: list[Stream] = field(default_factory=list)
    error: str | None = None
    note: str | None = None

    def median(self, attr: str) -> float | None:
        return statistics.median(getattr(r, attr) for r in self.runs) if self.runs else None


def time_stream(fn: Callable[[], Stream], runs: int, *, warmup: int = 1, max_seconds: float | None = None) -> StreamTiming:
    result = StreamTiming()
    try:
        for _ in range(warmup):
            first = fn().total
        if warmup and max_seconds is not None and first * runs > max_seconds:
            runs = max(1, int(max_seconds // max(first, 1e-9)))
            result.note = f"{runs} run{'s' if runs > 1 else ''}"
        for _ in range(runs):
            with quiet_collector():
                result.runs.append(fn())
    except Exception as exc:
        result.error = f"{type(exc).__name__}: {exc}"[:300]
    return result
