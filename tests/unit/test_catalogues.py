"""The Indonesian (``id``) catalogues shipped for Flask-Admin and WTForms.

Neither Flask-Admin 2.2.1 nor WTForms 3.3 ships an Indonesian catalogue, so
ektp-admin carries its own under ``ektp_admin/translations/id/LC_MESSAGES``:

* ``admin.po``/``admin.mo``: Flask-Admin's ``admin`` domain;
* ``wtforms.po``/``wtforms.mo``: WTForms' ``wtforms`` domain.

These tests compare them against the *installed* packages, so upgrading
Flask-Admin or WTForms fails here until the new msgids are translated.
"""
from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import flask_admin
import pytest
import wtforms
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from babel.support import Translations

TRANSLATIONS = Path(__file__).parents[2] / "ektp_admin" / "translations"
LC_MESSAGES = TRANSLATIONS / "id" / "LC_MESSAGES"
DOMAINS = ("admin", "wtforms")

FLASK_ADMIN_DIR = Path(flask_admin.__file__).parent
WTFORMS_DIR = Path(wtforms.__file__).parent

# Every gettext-style call used by Flask-Admin's Python code and Jinja templates
# (``_gettext``/``_ngettext`` are the template globals) and by WTForms
# (``field.gettext``/``field.ngettext``).
KEYWORDS = {
    "_": None,
    "gettext": None,
    "lazy_gettext": None,
    "_gettext": None,
    "ngettext": (1, 2),
    "_ngettext": (1, 2),
}

# printf-style conversion specifiers, e.g. ``%(name)s``, ``%(num)d``, ``%s``.
_PLACEHOLDER = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?[diouxXeEfFgGcrsa%]"
)


def _key(msgid: str | tuple[str, ...] | list[str]) -> str | tuple[str, ...]:
    return msgid if isinstance(msgid, str) else tuple(msgid)


def _forms(value: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _placeholders(text: str) -> Counter[str]:
    return Counter(m.group(0) for m in _PLACEHOLDER.finditer(text) if m.group(0) != "%%")


def _expected_placeholders(msgid: str | tuple[str, ...]) -> Counter[str]:
    # With a single plural form msgstr[0] serves every count, so it has to carry
    # the placeholders of the singular and of the plural msgid alike.
    result: Counter[str] = Counter()
    for form in _forms(msgid):
        result |= _placeholders(form)
    return result


def _sample_arguments(text: str) -> dict[str, object] | tuple[object, ...]:
    matches = [m for m in _PLACEHOLDER.finditer(text) if m.group(0) != "%%"]
    if any(m.group("key") is not None for m in matches):
        return {m.group("key"): 1 if m.group(0)[-1] in "diouxX" else "x" for m in matches}
    return tuple(1 if m.group(0)[-1] in "diouxX" else "x" for m in matches)


def _read_po(path: Path) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, abort_invalid=True)


def _read_mo(path: Path) -> Catalog:
    with path.open("rb") as fh:
        return read_mo(fh)


def _ids(catalog: Catalog) -> set[str | tuple[str, ...]]:
    return {_key(m.id) for m in catalog if m.id}


def _extract(directory: Path, method_map: list[tuple[str, str]]) -> set[str | tuple[str, ...]]:
    found: set[str | tuple[str, ...]] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(directory),
        method_map=method_map,
        options_map={"**/templates/**.html": {"encoding": "utf-8"}},
        keywords=KEYWORDS,
    ):
        if isinstance(message, tuple):
            if all(message):
                found.add(tuple(message))
        elif message:
            found.add(message)
    return found


def _flask_admin_reference_ids() -> set[str | tuple[str, ...]]:
    """Flask-Admin's msgids: its template (or, as 2.2.1 ships none, the union of
    every bundled language's admin.po) plus what its sources actually use."""
    translations = FLASK_ADMIN_DIR / "translations"
    ids: set[str | tuple[str, ...]] = set()
    pot = translations / "admin.pot"
    if pot.exists():
        ids |= _ids(_read_po(pot))
    for po in sorted(translations.glob("*/LC_MESSAGES/admin.po")):
        with po.open("rb") as fh:  # some bundled catalogues are slightly malformed
            ids |= _ids(read_po(fh))
    ids |= _extract(
        FLASK_ADMIN_DIR,
        [
            ("**/tests/**", "ignore"),
            ("**.py", "python"),
            ("**/templates/**.html", "jinja2.ext:babel_extract"),
        ],
    )
    return ids


def _wtforms_reference_ids() -> set[str | tuple[str, ...]]:
    ids = _ids(_read_po(WTFORMS_DIR / "locale" / "wtforms.pot"))
    ids |= _extract(WTFORMS_DIR, [("**/tests/**", "ignore"), ("**.py", "python")])
    return ids


REFERENCE_IDS = {
    "admin": _flask_admin_reference_ids,
    "wtforms": _wtforms_reference_ids,
}


@pytest.fixture(scope="module", params=DOMAINS)
def domain(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="module")
def po_catalog(domain: str) -> Catalog:
    return _read_po(LC_MESSAGES / f"{domain}.po")


def test_reference_msgids_are_found() -> None:
    # Guards the extraction above: if it silently found nothing, the coverage
    # tests would pass vacuously.
    admin_ids = _flask_admin_reference_ids()
    assert len(admin_ids) >= 100
    assert {"Delete", "Save and Continue Editing", "Add Filter"} <= admin_ids
    assert ("Record was successfully deleted.", "%(count)s records were successfully deleted.") in admin_ids
    wtforms_ids = _wtforms_reference_ids()
    assert len(wtforms_ids) >= 35
    assert {"This field is required.", "CSRF token missing."} <= wtforms_ids


def test_header(po_catalog: Catalog, domain: str) -> None:
    assert str(po_catalog.locale) == "id"
    assert po_catalog.num_plurals == 1
    assert po_catalog.plural_expr == "0"
    assert po_catalog.mime_headers  # parsed header present
    headers = dict(po_catalog.mime_headers)
    assert headers["Language"] == "id"
    assert headers["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"
    assert "utf-8" in headers["Content-Type"].lower()


def test_every_upstream_msgid_is_translated(po_catalog: Catalog, domain: str) -> None:
    expected = REFERENCE_IDS[domain]()
    translated = {_key(m.id): m for m in po_catalog if m.id}

    missing = sorted(map(repr, expected - translated.keys()))
    assert not missing, f"{domain}.po lacks {len(missing)} msgid(s): {missing}"

    empty = sorted(
        repr(k)
        for k in expected
        if not _forms(translated[k].string) or not all(s.strip() for s in _forms(translated[k].string))
    )
    assert not empty, f"{domain}.po has untranslated msgid(s): {empty}"


def test_no_fuzzy_or_obsolete_entries(po_catalog: Catalog, domain: str) -> None:
    assert not po_catalog.fuzzy, f"{domain}.po header is fuzzy (pybabel compile would skip it)"
    fuzzy = [repr(m.id) for m in po_catalog if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy entries in {domain}.po: {fuzzy}"
    assert not po_catalog.obsolete, f"obsolete entries in {domain}.po: {list(po_catalog.obsolete)}"


def test_placeholders_are_kept(po_catalog: Catalog, domain: str) -> None:
    problems = []
    for message in po_catalog:
        if not message.id:
            continue
        expected = _expected_placeholders(_key(message.id))
        forms = _forms(message.string)
        if message.pluralizable and len(forms) != po_catalog.num_plurals:
            problems.append(f"{message.id!r}: {len(forms)} msgstr forms, expected {po_catalog.num_plurals}")
        for form in forms:
            if _placeholders(form) != expected:
                problems.append(f"{message.id!r} -> {form!r}: {dict(_placeholders(form))} != {dict(expected)}")
                continue
            if expected or "python-format" in message.flags:
                try:
                    form % _sample_arguments(form)
                except (KeyError, TypeError, ValueError) as exc:
                    problems.append(f"{message.id!r} -> {form!r}: does not format: {exc!r}")
    assert not problems, f"placeholder problems in {domain}.po:\n" + "\n".join(problems)


def test_mo_is_compiled_from_po(po_catalog: Catalog, domain: str) -> None:
    mo_path = LC_MESSAGES / f"{domain}.mo"
    assert mo_path.exists(), f"{mo_path} missing: run pybabel compile -d ektp_admin/translations -D {domain}"
    mo_catalog = _read_mo(mo_path)

    from_po = {_key(m.id): _forms(m.string) for m in po_catalog if m.id and not m.fuzzy}
    from_mo = {_key(m.id): _forms(m.string) for m in mo_catalog if m.id}
    assert from_mo == from_po, (
        f"{domain}.mo is stale: run pybabel compile -d ektp_admin/translations -D {domain}"
    )
    mo_headers = dict(mo_catalog.mime_headers)
    assert mo_headers["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"


def test_runtime_lookup_admin_domain() -> None:
    translations = Translations.load(str(TRANSLATIONS), ["id"], "admin")
    assert isinstance(translations, Translations), "admin.mo for 'id' was not found"
    assert translations.gettext("Delete") == "Hapus"
    assert translations.gettext("Save") == "Simpan"
    assert translations.gettext("Are you sure you want to delete this record?") == (
        "Yakin ingin menghapus data ini?"
    )
    deleted = translations.ngettext(
        "Record was successfully deleted.", "%(count)s records were successfully deleted.", 1
    )
    assert deleted % {"count": 1} == "1 data berhasil dihapus."
    deleted = translations.ngettext(
        "Record was successfully deleted.", "%(count)s records were successfully deleted.", 5
    )
    assert deleted % {"count": 5} == "5 data berhasil dihapus."


def test_runtime_lookup_wtforms_domain() -> None:
    translations = Translations.load(str(TRANSLATIONS), ["id"], "wtforms")
    assert isinstance(translations, Translations), "wtforms.mo for 'id' was not found"
    assert translations.gettext("This field is required.") == "Kolom ini wajib diisi."
    assert translations.gettext("Not a valid date value.") == "Tanggal tidak valid."
    message = translations.ngettext(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
        8,
    )
    assert message % {"min": 8} == "Isian minimal 8 karakter."
