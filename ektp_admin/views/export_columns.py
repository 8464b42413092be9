"""Export columns declared once, compiled once per download into per-column writers.

A screen lists what it exports, one line a column::

    export_columns = [
        text("NIK", Resident.nik),
        day("Birth date", Resident.birth_date),
        code_label("Sex", Resident.sex, Sex),
        name_of("Desa/Kelurahan", Resident.desa_code, Desa),
        derived("Age", age_from_birth, Resident.birth_date),
    ]

The export then selects exactly those columns as tuples (one Core SELECT through
the reach clause, on the export's snapshot: :func:`.csv_export.stream_tuples`) and
formats each row with writers prepared once per download: a date becomes
dd-mm-yyyy text in a CSV (a real date in an XLSX) once per distinct date, a
stored code its translated label once per code, a desa code its name from one
lookup, text is passed through unless it holds a character a spreadsheet could
read as a formula or a separator (then :func:`.csv_export.neutralise_cell` and
quoting, as always). No ORM object, no per-cell ``get_export_value`` or
``gettext``: the CSV is byte for byte the one the per-object path wrote, at the
database's speed.

A list still holding ``(getter, header)`` pairs (a getter of an ORM object) is
exported by the per-object path (:func:`.csv_export.stream_rows`), as before.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import sqlalchemy as sa

from ..formatting import fmt_day
from .csv_export import neutralise_cell, quote_cell

TEXT, NUMBER, DAY, LABEL, NAME, DERIVED = "text", "number", "day", "label", "name", "derived"

#: A text cell holding none of these is written as it is (no formula can start,
#: no separator or quote needs quoting); any other goes the careful way.
_CAREFUL = re.compile(r'[=+\-@\t\r\n,;"]').search


@dataclass(frozen=True)
class ExportContext:
    """What the writers of one download may use: the app's one "today" and the
    code -> name tables the columns asked for (read on the export's snapshot)."""

    on: dt.date
    gettext: Callable[[str], str]
    names: dict[Any, dict[Any, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ExportColumn:
    """One exported column: its header (an msgid), the SQL expressions it reads and how
    their values become a cell. Build it with :func:`text`, :func:`number`, :func:`day`,
    :func:`code_label`, :func:`name_of` or :func:`derived`."""

    header: str
    sources: tuple[Any, ...]
    kind: str = TEXT
    enum: Any = None
    names: Any = None
    derive: Callable[[ExportContext], Callable[..., Any]] | None = None


def text(header: str, column: Any) -> ExportColumn:
    return ExportColumn(header, (column,))


def number(header: str, column: Any) -> ExportColumn:
    return ExportColumn(header, (column,), NUMBER)


def day(header: str, column: Any) -> ExportColumn:
    """A date: dd-mm-yyyy text in a CSV, a date cell in an XLSX."""
    return ExportColumn(header, (column,), DAY)


def code_label(header: str, column: Any, enum: Any) -> ExportColumn:
    """A stored code shown as its enum member's label, in the user's language."""
    return ExportColumn(header, (column,), LABEL, enum=enum)


def name_of(header: str, column: Any, model: Any) -> ExportColumn:
    """A region code shown as its name (``model`` has ``code`` and ``name``)."""
    return ExportColumn(header, (column,), NAME, names=model)


def derived(header: str, factory: Callable[[ExportContext], Callable[..., Any]], *columns: Any) -> ExportColumn:
    """A value computed from ``columns``: ``factory(context)`` runs once per download and
    returns the function a row's values go through (its results are remembered per
    distinct input, so keep it a pure function of them)."""
    return ExportColumn(header, tuple(columns), DERIVED, derive=factory)


def declared(spec: Iterable[Any]) -> bool:
    """Is every column of ``spec`` an :class:`ExportColumn` (the fast path)?"""
    spec = list(spec)
    return bool(spec) and all(isinstance(c, ExportColumn) for c in spec)


def selected(columns: list[ExportColumn], dialect: Any = None) -> tuple[list[Any], list[tuple[int, ...]], dict[int, Any]]:
    """The distinct SQL expressions to select, each column's positions among them, and
    the converters of the positions read as the driver gives them.

    With a ``dialect``, an expression whose type converts every value the driver
    returns (SQLite's dates come as ``'1990-05-17'``, its booleans as 0/1) is selected
    untyped, and its converter (the type's own result processor) runs once per
    distinct value instead of once per row: ``{position: processor}``."""
    exprs: list[Any] = []
    keys: dict[Any, int] = {}
    positions = []
    converters: dict[int, Any] = {}
    for column in columns:
        places = []
        for expr in column.sources:
            key = _expr_key(expr)
            if key not in keys:
                keys[key] = len(exprs)
                processor = _processor(expr, dialect) if dialect is not None else None
                if processor is not None:
                    converters[len(exprs)] = processor
                    expr = sa.type_coerce(expr, sa.types.NullType()).label(getattr(expr, "key", None))
                exprs.append(expr)
            places.append(keys[key])
        positions.append(tuple(places))
    return exprs, positions, converters


def _processor(expr: Any, dialect: Any) -> Callable[[Any], Any] | None:
    """The result processor ``expr``'s type applies to each value on ``dialect``, if any."""
    try:
        return expr.type.dialect_impl(dialect).result_processor(dialect, None)
    except (AttributeError, NotImplementedError):
        return None


def lookups(columns: list[ExportColumn]) -> list[Any]:
    """The models whose code -> name table the columns need."""
    return list(dict.fromkeys(c.names for c in columns if c.kind == NAME))


def _expr_key(expr: Any) -> Any:
    table = getattr(expr, "table", None)
    return (getattr(table, "name", None), getattr(expr, "key", None)) if table is not None else id(expr)


class _Memo(dict):
    """``memo[value]`` computes ``fn(value)`` once per distinct value (dict lookups in C)."""

    LIMIT = 200_000

    def __init__(self, fn: Callable[[Any], Any]) -> None:
        super().__init__()
        self.fn = fn

    def __missing__(self, key: Any) -> Any:
        if len(self) >= self.LIMIT:
            self.clear()
        value = self[key] = self.fn(key)
        return value


def csv_cell(value: Any) -> str:
    """Any value as the per-object path wrote it: neutralised, quoted when needed."""
    return quote_cell(neutralise_cell(value))


def _text_cell(value: Any) -> str:
    if value is None:
        return ""
    if value.__class__ is str and not _CAREFUL(value):
        return value
    return quote_cell(neutralise_cell(value))


def _day_cell(value: Any) -> str:
    return fmt_day(value) if value.__class__ is dt.date else csv_cell(value)


def _writer(column: ExportColumn, context: ExportContext, *, for_csv: bool) -> tuple[str, Any]:
    """How one column is written: ``("text", None)`` (inlined), ``("value", None)`` (the
    value as it is), ``("memo", f)`` (``f(value)``, remembered per distinct value by
    :func:`compile_row`) or ``("call", (f, m))`` (``m[f(*values)]``)."""
    finish = csv_cell if for_csv else (lambda v: v)
    kind = column.kind
    if kind == TEXT or (not for_csv and kind in (NUMBER, DAY)):
        return ("text" if for_csv else "value"), None
    if kind == NUMBER:
        return "memo", csv_cell
    if kind == DAY:  # dd-mm-yyyy in a CSV (as the per-object path), a date cell in an XLSX
        return "memo", _day_cell
    if kind == LABEL:
        enum, gettext = column.enum, context.gettext

        def label(code: Any) -> Any:
            if code is None or code == "":
                return finish("")
            try:
                member = enum(code)
            except ValueError:
                return finish(str(code))
            return finish(gettext(member.label))

        return "memo", label
    if kind == NAME:
        table = context.names[column.names]
        return "memo", lambda code: finish(table.get(code, "") if code is not None else "")
    if kind == DERIVED:
        assert column.derive is not None
        fn = column.derive(context)
        if len(column.sources) == 1:
            return "memo", lambda v: finish(fn(v))
        # Several inputs: the function is called per row (make it cheap, e.g. a table
        # of its few outcomes); its result is finished once per distinct result.
        return "call", (fn, _Memo(finish))
    raise ValueError(f"unknown export column kind {kind!r}")


def compile_row(columns: list[ExportColumn], positions: list[tuple[int, ...]], context: ExportContext, *,
                for_csv: bool, delimiter: str = ",", converters: dict[int, Any] | None = None) -> Callable[[Any], Any]:
    """One function per download that turns a selected row into a CSV line (without
    its line break) or into the XLSX cells' values: the column writers called in a
    straight line, no loop over the columns per row.

    What is remembered per distinct value is looked up once per row and position: a
    position read by several memo columns (a birth date: the date, the age) or
    converted for a computed column gets one memo of all its results.
    ``converters`` (:func:`selected`): positions read untyped, converted once per
    distinct value inside those memos. A CSV row's text cells are checked with one
    search over them all: in the usual row none holds a careful character and they
    are written as they are; else (or when one is not text) each goes the careful
    way, as before."""
    converters = converters or {}
    namespace: dict[str, Any] = {"D": delimiter, "C": _CAREFUL, "T": _text_cell, "J": "".join, "E": ""}
    width = 1 + max((p for places in positions for p in places), default=-1)
    # Each cell, before the names are given: ("text", place), ("value", place),
    # ("use", place, fn) (fn(value), remembered) or ("call", index, places) (see _writer).
    uses: dict[int, list[Callable[[Any], Any]]] = {}

    def use(place: int, fn: Callable[[Any], Any]) -> tuple[str, int, int]:
        found = uses.setdefault(place, [])
        if fn not in found:
            found.append(fn)
        return ("use", place, found.index(fn))

    def read(place: int) -> Any:  # a value as the column's type gives it
        return use(place, _same) if place in converters else ("value", place)

    cells: list[Any] = []
    for index, (column, places) in enumerate(zip(columns, positions)):
        how, writer = _writer(column, context, for_csv=for_csv)
        if how == "text":
            cells.append(("text", places[0]))
        elif how == "value":
            cells.append(read(places[0]))
        elif how == "memo":
            cells.append(use(places[0], writer))
        else:
            namespace[f"f{index}"], namespace[f"w{index}"] = writer
            cells.append(("call", index, [read(p) for p in places]))

    lines = [f"({''.join(f'r{p}, ' for p in range(width))}) = row"]
    for place, fns in uses.items():
        namespace[f"M{place}"] = _Memo(_results(fns, converters.get(place)))
        if len(fns) > 1:  # one lookup for all of them
            lines.append(f"m{place} = M{place}[r{place}]")

    def expr(cell: Any) -> str:
        if cell[0] == "value":
            return f"r{cell[1]}"
        if cell[0] == "use":
            place, number = cell[1], cell[2]
            return f"M{place}[r{place}]" if len(uses[place]) == 1 else f"m{place}[{number}]"
        if cell[0] == "call":
            return f"w{cell[1]}[f{cell[1]}({', '.join(expr(arg) for arg in cell[2])})]"
        return f"t{cell[1]}"

    texts = list(dict.fromkeys(cell[1] for cell in cells if cell[0] == "text"))
    if not for_csv:
        lines.append(f"return [{', '.join(expr(c) if c[0] != 'text' else f'r{c[1]}' for c in cells)}]")
    else:
        for place in texts:
            value = expr(read(place))
            lines.append(f"t{place} = E if {value} is None else {value}" if value == f"r{place}"
                         else f"t{place} = E if (x := {value}) is None else x")
        plain = ", ".join(expr(c) for c in cells)
        if texts:
            lines += [
                "try:",
                f"    if not C(J(({''.join(f't{place}, ' for place in texts)}))):",
                f"        return D.join(({plain},))",
                "except TypeError:  # a text column holding a number: the careful way",
                "    pass",
            ]
        careful = ", ".join(f"T(t{c[1]})" if c[0] == "text" else expr(c) for c in cells)
        lines.append(f"return D.join(({careful},))")
    source = "def write(row):\n" + "".join(f"    {line}\n" for line in lines)
    exec(source, namespace)  # noqa: S102 - built from our own column list
    write: Callable[[Any], Any] = namespace["write"]
    return write


def _same(value: Any) -> Any:
    return value


def _results(fns: list[Callable[[Any], Any]], convert: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    """What a memo of one position computes for a value it has not seen: the value
    converted (once), then each of ``fns`` of it (a tuple of them when several)."""
    if len(fns) == 1:
        fn = fns[0]
        return fn if convert is None else (lambda raw: fn(convert(raw)))
    many = tuple(fns)
    if convert is None:
        return lambda value: tuple(fn(value) for fn in many)

    def results(raw: Any) -> tuple[Any, ...]:
        value = convert(raw)
        return tuple(fn(value) for fn in many)

    return results
