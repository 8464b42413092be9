"""Reading population files as offices produce them, and checking their rows (no
database, no Flask): encodings, delimiters, quoting, headers in either language
and any order, XLSX, and every kind of bad row with its line and column."""
from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo

from ektp_admin.domain.nik import _quick_parts, is_ordinary_nik, parse_nik
from ektp_admin.population import vocabulary
from ektp_admin.population.reading import FileProblem, inspect_file, map_columns, open_table
from ektp_admin.population.rows import (
    FIELD_LABELS,
    REQUIRED_RESIDENT,
    REQUIRED_STATUS,
    WARNING,
    Regions,
    ResidentRows,
    StatusRows,
    cell_text,
    parse_date,
)
from ektp_admin.population.sample import regency_desa, resident_rows

DATA = Path(__file__).resolve().parents[1] / "data"
ROOT = Path(__file__).resolve().parents[2]
TODAY = dt.date(2016, 9, 21)


@pytest.fixture(scope="module")
def regions() -> Regions:
    names = {"35.10.01": "Pesanggaran", "35.10.02": "Bangorejo", "35.10.03": "Purwoharjo"}
    return Regions([(code, name, kecamatan, names.get(kecamatan, kecamatan))
                    for code, name, kecamatan in regency_desa("35.10")])


def read(path: Path) -> tuple[list[str], list[tuple[int, list]]]:
    with open_table(inspect_file(str(path))) as table:
        return table.header, list(table.rows)


def checked(path: Path, regions: Regions, **kw) -> dict[int, list[tuple[str, str, str]]]:
    """{line: [(column as the file names it, message code, severity)]} of a resident file."""
    with open_table(inspect_file(str(path))) as table:
        columns = map_columns(table.header, vocabulary.column_names(vocabulary.RESIDENT_COLUMNS), REQUIRED_RESIDENT,
                              FIELD_LABELS)
        rows = ResidentRows(columns, regions, today=TODAY, reference_date=TODAY, **kw)
        found: dict[int, list[tuple[str, str, str]]] = {}
        for line, cells in table.rows:
            result = rows.check(cells)
            found[line] = [(rows.column_of(p.field), p.message.code, p.severity) for p in result.problems]
        return found


# ---------------------------------------------------------------------- encodings and delimiters


@pytest.mark.parametrize("name, encoding, delimiter, kind", [
    ("residents_siak_en.csv", "utf-8", ",", "csv"),
    ("residents_id_semicolon_bom.csv", "utf-8-sig", ";", "csv"),
    ("residents_export_excel_cp1252.csv", "cp1252", ";", "csv"),
    ("residents.xlsx", None, None, "xlsx"),
])
def test_the_format_of_each_office_file_is_recognised(name: str, encoding: str, delimiter: str, kind: str) -> None:
    facts = inspect_file(str(DATA / name))
    assert (facts.format, facts.encoding, facts.delimiter) == (kind, encoding, delimiter)
    assert len(facts.sha256) == 64 and facts.size == (DATA / name).stat().st_size


def test_windows_1252_text_arrives_as_written() -> None:
    header, rows = read(DATA / "residents_export_excel_cp1252.csv")
    assert header[0] == "NIK" and header[2] == "Nama"
    assert rows[0][1][2] == "NYOMAN SRI RÉJEKI"
    assert cell_text(rows[0][1][12]) == "+6281333444555", "the export's formula guard comes off again"


def test_quoted_fields_keep_delimiters_and_line_breaks_and_lines_are_the_files(tmp_path: Path) -> None:
    header, rows = read(DATA / "residents_siak_en.csv")
    assert [line for line, _ in rows] == [2, 3, 5, 6], "the quoted line break makes row 3 span lines 3-4"
    assert rows[0][1][9] == "Dusun Krajan, Jl. Mawar 3"
    assert rows[1][1][9] == "Dusun Krajan\nRumah ke-2 dari masjid"
    assert rows[1][1][2] == "SITI JUMA’ATI"


@pytest.mark.parametrize("text, rows", [
    ("NIK;Nama\n1;A\n2;B\n# selesai: 2 baris\n", 2),            # the export's closing line
    ('NIK,Nama\r\n1,A\r\n"# complete: 1,234 rows"\r\n', 1),      # English, quoted (its comma)
    ("NIK;Nama\n1;A\n# selesai: 1.288.630 baris;\n\n", 1),       # Excel re-saved it: an empty cell, a blank line
    ("NIK;Nama\n# selesai: 2 baris\n1;A\n", 2),                  # not the last record: a row like any other
    ("NIK;Nama\n1;A\n# selesai: 2 baris;X\n", 2),                # another cell filled: a row like any other
    ("NIK;Nama\n1;A\n#12345\n", 2),                               # not the trailer's shape
])
def test_an_exports_closing_line_is_skipped_only_as_the_last_record(tmp_path: Path, text: str, rows: int) -> None:
    path = tmp_path / "penduduk.csv"
    path.write_text(text, encoding="utf-8")
    _header, found = read(path)
    assert len(found) == rows


def test_a_bom_and_semicolons_inside_quotes(tmp_path: Path) -> None:
    header, rows = read(DATA / "residents_id_semicolon_bom.csv")
    assert header[0] == "Nama", "the BOM is not part of the first column's name"
    assert rows[0][1][8] == "Dusun Pancer; RT 1"


@pytest.mark.parametrize("text, delimiter", [("a\tb\tc\n1\t2\t3\n", "\t"), ("sep=;\na;b\n1;2\n", ";"),
                                             ('"a,1";b;c\n1;2;3\n', ";")])
def test_delimiters_are_sniffed_from_the_header(tmp_path: Path, text: str, delimiter: str) -> None:
    path = tmp_path / "f.csv"
    path.write_text(text, encoding="utf-8")
    facts = inspect_file(str(path))
    assert facts.delimiter == delimiter
    with open_table(facts) as table:
        assert len(table.header) >= 2 and "sep=" not in table.header[0]


def test_a_late_non_utf8_byte_makes_the_file_windows_1252(tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    path.write_bytes(("NIK,Nama\n" + "1,A\n" * 100_000).encode() + "2,RÉNI\n".encode("cp1252"))
    facts = inspect_file(str(path))
    assert facts.encoding == "cp1252"
    assert read(path)[1][-1][1] == ["2", "RÉNI"]


def test_blank_rows_are_skipped_in_xlsx_and_cells_keep_their_types() -> None:
    header, rows = read(DATA / "residents.xlsx")
    assert header == ["NIK", "Nama", "JK", "Tgl Lahir", "Kode Desa", "RT", "RW", "Alamat"]
    assert [line for line, _ in rows] == [2, 3, 5], "line numbers are the sheet's rows"
    assert isinstance(rows[0][1][3], dt.datetime) and rows[0][1][5] == 3


@pytest.mark.parametrize("content, code", [
    (b"", "file_empty"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "file_xls"),
    (b"\x00\x01\x02binary" * 10, "file_binary"),
    (b"PK\x03\x04 not really a workbook", "file_xlsx_broken"),
])
def test_files_that_are_no_table_are_refused_with_a_reason(tmp_path: Path, content: bytes, code: str) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(content)
    with pytest.raises(FileProblem) as refused:
        with open_table(inspect_file(str(path))) as table:
            list(table.rows)
    assert [m.code for m in refused.value.messages] == [code]


# ---------------------------------------------------------------------- columns


def test_headers_in_either_language_and_any_order_map_to_the_same_fields() -> None:
    names = vocabulary.column_names(vocabulary.RESIDENT_COLUMNS)
    english = map_columns(read(DATA / "residents_siak_en.csv")[0], names, REQUIRED_RESIDENT, FIELD_LABELS)
    indonesian = map_columns(read(DATA / "residents_id_semicolon_bom.csv")[0], names, REQUIRED_RESIDENT, FIELD_LABELS)
    assert {"nik", "name", "sex", "birth_date", "kk_number", "address", "rt", "rw"} <= set(english.index)
    assert {"nik", "name", "sex", "birth_date", "kk_number", "address", "rt", "rw", "desa_name",
            "kecamatan_code"} <= set(indonesian.index)
    assert indonesian.index["name"] == 0 and indonesian.unused == ["Keterangan tambahan"]


def _catalogue(locale: str) -> dict[str, str]:
    with (ROOT / f"ektp_admin/translations/{locale}/LC_MESSAGES/ektp_admin.mo").open("rb") as fh:
        return {m.id: m.string for m in read_mo(fh) if isinstance(m.id, str)}


@pytest.mark.parametrize("locale", ["en", "id"])
def test_every_column_of_the_residents_export_is_read_back_or_named_unused(locale: str) -> None:
    from ektp_admin.views.residents import ResidentView

    catalogue = _catalogue("id") if locale == "id" else {}
    labels = [c.header if hasattr(c, "header") else c[1] for c in ResidentView.export_columns]
    header = [catalogue.get(label) or label for label in labels]
    columns = map_columns(header, vocabulary.column_names(vocabulary.RESIDENT_COLUMNS), REQUIRED_RESIDENT,
                          FIELD_LABELS)
    assert set(columns.unused) == {catalogue.get("Age", "Age"), catalogue.get("Needs", "Needs")}


def test_a_missing_column_and_a_column_twice_are_file_problems() -> None:
    names = vocabulary.column_names(vocabulary.RESIDENT_COLUMNS)
    with pytest.raises(FileProblem) as refused:
        map_columns(["NIK", "Nama", "Jenis kelamin", "Desa"], names, REQUIRED_RESIDENT, FIELD_LABELS)
    assert [(m.code, m.params["field"]) for m in refused.value.messages] == [("column_missing", "Birth date")]
    with pytest.raises(FileProblem) as refused:
        map_columns(["NIK", "Nama", "Name", "JK", "Tgl Lahir", "Desa"], names, REQUIRED_RESIDENT, FIELD_LABELS)
    assert [m.code for m in refused.value.messages] == ["column_twice"]
    status_names = vocabulary.column_names(vocabulary.STATUS_COLUMNS)
    assert set(map_columns(["Tanggal", "Status KTP-el", "NIK"], status_names, REQUIRED_STATUS,
                           FIELD_LABELS).index) == {"nik", "status", "date"}


# ---------------------------------------------------------------------- rows


@pytest.mark.parametrize("text, expected", [
    ("17-05-1980", dt.date(1980, 5, 17)), ("1980-05-17", dt.date(1980, 5, 17)), ("17/05/1980", dt.date(1980, 5, 17)),
    ("7.5.1980", dt.date(1980, 5, 7)), ("1980-05-17 00:00:00", dt.date(1980, 5, 17)), ("17/05/80", None),
    ("31-02-1980", None), ("kemarin", None), (dt.datetime(1980, 5, 17, 0, 0), dt.date(1980, 5, 17)),
])
def test_dates_day_first_or_iso(text: object, expected: dt.date | None) -> None:
    assert parse_date(text) == expected


def test_every_kind_of_bad_row_is_named_with_line_and_column(regions: Regions) -> None:
    found = checked(DATA / "residents_bad_rows.csv", regions)
    errors = {line: {(col, code) for col, code, severity in problems if severity != WARNING}
              for line, problems in found.items()}
    assert errors[2] == set(), "the good row (its twin on line 19 is found over the whole file)"
    assert errors[3] == {("NIK", "import_empty")}
    assert errors[4] == {("NIK", "nik_not_digits"), ("NIK", "nik_length")}
    assert errors[5] == {("NIK", "nik_length")}
    assert errors[6] == {("NIK", "nik_day"), ("Tanggal lahir", "import_date")}
    assert errors[7] == {("NIK", "nik_serial")}
    assert errors[8] == {("NIK", "nik_birth_date_mismatch")}
    assert errors[9] == {("NIK", "nik_sex_mismatch")}
    assert errors[10] == {("Tanggal lahir", "import_date")}
    assert errors[11] == {("Tanggal lahir", "birth_date_future")}
    assert errors[12] == {("Kode desa", "import_desa_code")}
    assert errors[13] == {("Nama", "import_empty")}
    assert errors[14] == {("Jenis kelamin", "import_unknown_value")}
    assert errors[15] == {("Nomor KK", "import_kk")}
    assert errors[16] == {("RT", "import_rt")}
    assert errors[17] == {("Telepon", "import_phone")}
    assert errors[18] == {("Status perkawinan", "import_unknown_value")}
    assert errors[22] == {("Tanggal lahir", "birth_date_too_early")}
    warnings = {line: [code for _, code, severity in problems if severity == WARNING] for line, problems in found.items()}
    assert warnings[20] == ["nik_region_unknown"] and errors[20] == set(), "kecamatan 00: stored with a warning"
    assert warnings[21] == ["nik_region_unknown"] and errors[21] == set(), "a code from before a split: the same"


def test_desa_by_name_needs_the_kecamatan_only_when_the_name_is_ambiguous(regions: Regions) -> None:
    assert regions.desa("", "Sarongan", "") == ("35.10.01.2001", None)
    assert regions.desa("", "sarongan", "Pesanggaran") == ("35.10.01.2001", None)
    assert regions.desa("", "Sarongan", "351001") == ("35.10.01.2001", None)
    assert regions.desa("3510012001", "", "")[0] == "35.10.01.2001"
    code, problem = regions.desa("", "Karangrejo", "")
    assert code is None and problem is not None and problem.message.code == "import_desa_ambiguous"
    code, problem = regions.desa("", "Sarongan", "35.10.02")
    assert code is None and problem is not None and problem.message.code == "import_desa_name_in"


def test_a_row_of_another_kecamatan_is_bad_when_the_import_is_held_to_one(regions: Regions) -> None:
    found = checked(DATA / "residents_siak_en.csv", regions, kecamatan_code="35.10.01")
    assert found[2] == [] and found[5] == []
    assert found[6] == [("Desa code", "import_outside_kecamatan", "error")]


def test_status_rows_are_checked_on_their_own_first() -> None:
    with open_table(inspect_file(str(DATA / "statuses_bad.csv"))) as table:
        columns = map_columns(table.header, vocabulary.column_names(vocabulary.STATUS_COLUMNS), REQUIRED_STATUS,
                              FIELD_LABELS)
        rows = StatusRows(columns, today=TODAY, reference_date=TODAY)
        found = {line: [(rows.column_of(p.field), p.message.code) for p in rows.check(cells).problems]
                 for line, cells in table.rows}
    assert found[2] == [] and found[3] == [], "a move and an unknown NIK need the database"
    assert found[4] == [("Status KTP-el", "sync_status_not_synced")]
    assert found[5] == [("Status KTP-el", "import_unknown_value")]
    assert found[6] == [("Tanggal", "sync_date_future")]
    assert found[8] == [("Tanggal", "import_date")]


@pytest.mark.parametrize("word, code", [("Laki-laki", "L"), ("PEREMPUAN", "P"), ("Male", "L"), ("lk", "L"),
                                        ("wanita", "P")])
def test_sex_in_the_words_offices_use(word: str, code: str) -> None:
    assert vocabulary.sex_values()[vocabulary.fold(word)] == code


@pytest.mark.parametrize("word, code", [("SFE", "sent"), ("prr", "print_ready"), ("Sudah dicetak", "printed"),
                                        ("Handed over", "handed_over"), ("EFAC", "enrol_failed"),
                                        ("Data ganda (DUP)", "duplicate"), ("Duplicate record (DUP)", "duplicate")])
def test_statuses_in_the_words_offices_use(word: str, code: str) -> None:
    assert vocabulary.status_values()[vocabulary.fold(word)] == code


# ---------------------------------------------------------------------- the NIK's quick path


def test_the_quick_nik_path_agrees_with_the_full_one() -> None:
    """parse_nik answers an ordinary NIK without lokal's general parser; on every
    NIK the quick path answers, the answer is the full path's."""
    rng = random.Random(7)
    reference = dt.date(2016, 9, 21)
    answered = 0
    samples = ["3510010101000001", "3510012902000001", "3510016902000001", "3510012902970001", "3510019912160001",
               "3510014109160001", "3510012109160001", "3510012209160001", "3500011705800001", "3510001705800001"]
    samples += ["".join(rng.choice("0123456789") for _ in range(16)) for _ in range(3000)]
    samples += [f"35{rng.randrange(100):02d}{rng.randrange(100):02d}{rng.randrange(1, 72):02d}"
                f"{rng.randrange(1, 13):02d}{rng.randrange(100):02d}{rng.randrange(10000):04d}" for _ in range(3000)]
    for value in samples:
        quick = _quick_parts(value, reference)
        if quick is None:
            continue
        answered += 1
        import ektp_admin.domain.nik as nik_module

        original = nik_module._quick_parts
        nik_module._quick_parts = lambda *a: None  # type: ignore[assignment]
        try:
            full = parse_nik(value, reference)
        finally:
            nik_module._quick_parts = original
        assert full.parts == quick, value
    assert answered > 1000


def test_an_ordinary_nik_is_one_parse_nik_has_nothing_to_say_about() -> None:
    """The import checks an ordinary NIK's birth part against a row once per spelling:
    is_ordinary_nik must say yes only where parse_nik (lenient or strict) finds no error
    and no warning, and yes to the NIKs of a generated regency."""
    rng = random.Random(11)
    reference = dt.date(2016, 9, 21)
    samples = ["3510010101000001", "3510012902000001", "3510016902000001", "3510012902970001", "3510019912160001",
               "3510014109160001", "3510012109160001", "3510012209160001", "3500011705800001", "3510001705800001",
               "3510011705800000", "9910011705800001", "3599011705800001", "351001170580001", "35100117058000011",
               "3510 11705800001", "３５10011705800001", ""]
    samples += ["".join(rng.choice("0123456789") for _ in range(16)) for _ in range(3000)]
    samples += [f"35{rng.randrange(100):02d}{rng.randrange(100):02d}{rng.randrange(1, 72):02d}"
                f"{rng.randrange(1, 13):02d}{rng.randrange(100):02d}{rng.randrange(10000):04d}" for _ in range(3000)]
    samples += [f"3510{rng.randrange(30):02d}{rng.randrange(72):02d}{rng.randrange(14):02d}{rng.randrange(100):02d}"
                f"{rng.randrange(3):04d}" for _ in range(3000)]
    ordinary = 0
    for value in samples:
        if not is_ordinary_nik(value, reference):
            continue
        ordinary += 1
        for lenient in (True, False):
            check = parse_nik(value, reference, lenient_region=lenient)
            assert check.parts is not None and not check.errors and not check.warnings, value
    assert ordinary > 500
    generated = [row[0] for row in resident_rows(500)][1:]
    assert all(is_ordinary_nik(nik, reference) for nik in generated)


def test_a_row_checked_with_what_earlier_rows_taught_is_checked_as_on_its_own(regions: Regions) -> None:
    """The check remembers each (NIK birth part, sex, birth date) it has seen and each
    desa spelling: rows that repeat them, right or wrong, get the problems a first
    sighting gets, in the same order."""
    header = ["NIK", "Nama", "Jenis kelamin", "Tanggal lahir", "Kode kecamatan", "Desa/Kelurahan"]
    columns = map_columns(header, vocabulary.column_names(vocabulary.RESIDENT_COLUMNS), REQUIRED_RESIDENT,
                          FIELD_LABELS)
    rows = [
        ["3510011705800001", "A", "L", "17-05-1980", "35.10.01", "Sarongan"],
        ["3510011705800002", "B", "L", "17-05-1980", "35.10.01", "Sarongan"],  # the same person part
        ["3510015705800003", "C", "L", "17-05-1980", "35.10.01", "Sarongan"],  # a woman's NIK, sex male
        ["3510015705800004", "", "L", "17-05-1980", "35.10.01", "Nowhere"],   # again, and no name nor desa
        ["3510011705800005", "E", "L", "18-05-1980", "35.10.01", "Sarongan"],  # another birth day
        ["3510011705800006", "F", "L", "18-05-1980", "35.10.01", "Sarongan"],
        ["3510011705800007", "G", "X", "31-02-1980", "35.10.01", "Sarongan"],  # no sex, no date
        ["3510011705800008", "H", "X", "31-02-1980", "35.10.01", "Sarongan"],
        ["3510011705800000", "I", "L", "17-05-1980", "35.10.01", "Sarongan"],  # serial 0000: the full path
        ["9910011705800009", "J", "L", "17-05-1980", "35.10.01", "Sarongan"],  # an unknown region: a warning
    ]

    def problems(checker: ResidentRows, cells: list[str]) -> list[tuple[str | None, str, str]]:
        result = checker.check(cells)
        return [(p.field, p.message.code, p.severity) for p in result.problems]

    def fresh() -> ResidentRows:
        return ResidentRows(columns, regions, today=TODAY, reference_date=TODAY)

    alone = [problems(fresh(), cells) for cells in rows]
    together = fresh()
    assert [problems(together, cells) for cells in rows + rows] == alone + alone
    assert alone[0] == alone[1] == [] and alone[2] and alone[2][0] in alone[3]
    assert {code for _, code, _ in alone[6]} >= {"import_unknown_value", "import_date"}
    assert alone[8] and alone[9] and alone[9][0][2] == WARNING


def test_the_spool_gives_back_the_valid_rows_of_its_batches_less_those_refused(tmp_path: Path) -> None:
    """The resident check stores each batch it hands the writer once, as marshalled; a
    second write (``--partial`` after duplicate NIKs) reads the valid rows back in line
    order, regrouped, without the rows refused meanwhile."""
    import marshal

    from ektp_admin.population.work import Spool

    spool = Spool(str(tmp_path))
    lines = list(range(2, 30))
    for start in range(0, len(lines), 5):
        batch_lines = [n for n in lines[start:start + 5] if n % 7]  # every 7th line a bad row
        for line in lines[start:start + 5]:
            spool.add_row(line, f"nik{line}", bool(line % 7))
        spool.add_batch(batch_lines, marshal.dumps([[f"nik{n}", n] for n in batch_lines]))
    spool.loaded()
    spool.refuse([3, 4, 14, 20])
    valid = [n for n in lines if n % 7 and n not in (3, 4, 20)]
    got = list(spool.batches(4))
    assert [len(b) for b in got] == [4] * (len(valid) // 4) + ([len(valid) % 4] if len(valid) % 4 else [])
    assert [(line, values) for batch in got for line, values in batch] == [(n, [f"nik{n}", n]) for n in valid]
    assert spool.count(ok=True) == len(valid)
    spool.close()
