"""The compiled row writers of a declared export, without a database: each value
made safe as the careful per-cell path makes it, every distinct value converted and
formatted once however many columns read it, untyped reads converted as the column's
type would."""
from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ektp_admin.views.csv_export import csv_line, neutralise_cell
from ektp_admin.views.export_columns import ExportContext, compile_row, day, derived, selected, text

table = sa.table("person", sa.column("name", sa.String), sa.column("born", sa.Date), sa.column("ill", sa.Boolean))
ON = dt.date(2016, 9, 21)


def _columns(seen: Counter[Any]) -> list[Any]:
    def age(ctx: ExportContext) -> Any:
        def years(born: Any) -> Any:
            seen["age", born] += 1
            return None if born is None else ctx.on.year - born.year
        return years

    def needs(ctx: ExportContext) -> Any:
        def words(born: Any, ill: Any) -> str:
            return ("old" if born is not None and born.year < 1960 else "") + (" ill" if ill else "")
        return words

    return [text("Name", table.c.name), day("Born", table.c.born), derived("Age", age, table.c.born),
            derived("Needs", needs, table.c.born, table.c.ill)]


def _careful(row: list[Any]) -> str:
    """A line as the per-cell path writes it (neutralised, quoted where needed)."""
    name, born, ill = row
    age = None if born is None else ON.year - born.year
    needs = ("old" if born is not None and born.year < 1960 else "") + (" ill" if ill else "")
    return csv_line([neutralise_cell(v) for v in (name, born, age, needs)]).rstrip("\r\n")


ROWS = [
    ["Siti", dt.date(1950, 1, 2), True],
    ["Budi", dt.date(1950, 1, 2), False],
    [None, None, None],
    ["=HYPERLINK(\"x\")", dt.date(1990, 5, 17), False],
    ["Jl. A, RT 1", dt.date(1990, 5, 17), True],
    ["+62812", dt.date(1990, 5, 17), False],
    [0, dt.date(2001, 3, 4), False],  # a number in a text column: written as the number
    ["ÁNDRÉ; =1+1", dt.date(2001, 3, 4), True],
]


def test_a_compiled_csv_line_is_the_careful_line_for_plain_and_hostile_cells() -> None:
    exprs, positions, converters = selected(_columns(Counter()))
    assert converters == {}  # no dialect given: typed reads
    write = compile_row(_columns(Counter()), positions, ExportContext(on=ON, gettext=str), for_csv=True)
    assert [write(tuple(r)) for r in ROWS] == [_careful(r) for r in ROWS]
    # and what a spreadsheet reads back is the text, never a formula
    back = list(csv.reader(io.StringIO("\r\n".join(write(tuple(r)) for r in ROWS))))
    assert back[3][0] == "'=HYPERLINK(\"x\")" and back[4][0] == "Jl. A, RT 1" and back[6][0] == "0"


def test_a_semicolon_export_quotes_what_a_semicolon_would_split() -> None:
    _, positions, _ = selected(_columns(Counter()))
    write = compile_row(_columns(Counter()), positions, ExportContext(on=ON, gettext=str), for_csv=True,
                        delimiter=";")
    assert write(("a;b", dt.date(1950, 1, 2), False)) == '"a;b";02-01-1950;66;old'


def test_untyped_reads_are_converted_once_per_distinct_value_for_every_column_reading_them() -> None:
    seen: Counter[Any] = Counter()
    columns = _columns(seen)
    exprs, positions, converters = selected(columns, sqlite.dialect())
    # SQLite's dates and booleans come as text and 0/1: read untyped, converted here
    assert sorted(converters) == [1, 2] and len(exprs) == 3
    calls: Counter[Any] = Counter()
    for place, convert in list(converters.items()):
        converters[place] = (lambda raw, convert=convert, place=place: (calls.update([(place, raw)]),
                                                                        convert(raw))[1])
    raw = [[r[0], r[1] and r[1].isoformat(), None if r[2] is None else int(r[2])] for r in ROWS]
    write = compile_row(columns, positions, ExportContext(on=ON, gettext=str), for_csv=True, converters=converters)
    assert [write(tuple(r)) for r in raw * 3] == [_careful(r) for r in ROWS * 3]
    # three columns read the birth date: each distinct date converted once, its age worked out once
    assert all(n == 1 for n in calls.values())
    assert {raw for place, raw in calls if place == 1} == {r[1] for r in raw}
    assert all(n == 1 for n in seen.values()) and len(seen) == 4
    # an XLSX row gets the typed values themselves
    cells = compile_row(columns, positions, ExportContext(on=ON, gettext=str), for_csv=False, converters=converters)
    assert cells(tuple(raw[0])) == ["Siti", dt.date(1950, 1, 2), 66, "old ill"]


def test_a_database_whose_driver_types_its_values_reads_them_typed() -> None:
    assert selected(_columns(Counter()), postgresql.psycopg.dialect())[2] == {}
