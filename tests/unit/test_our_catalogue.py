"""Every string the plugin shows has an Indonesian translation (clerks read Indonesian).

The msgids are extracted from the source tree at test time, exactly as
``scripts/translations`` does, so a new untranslated string fails here.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo

ROOT = Path(__file__).parents[2]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "N_": None, "Np_": (1, 2), "ektp_gettext": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]")


def _source_msgids() -> set[str]:
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    ids: set[str] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


@pytest.fixture(scope="module")
def catalogue() -> dict[str, str]:
    with (ROOT / "ektp_admin/translations/id/LC_MESSAGES/ektp_admin.mo").open("rb") as fh:
        mo = read_mo(fh)
    return {m.id if isinstance(m.id, str) else m.id[0]: (m.string if isinstance(m.string, str) else m.string[0])
            for m in mo if m.id}


def test_every_source_string_is_translated(catalogue: dict[str, str]) -> None:
    missing = sorted(i for i in _source_msgids() if not catalogue.get(i))
    assert not missing, f"{len(missing)} strings lack an Indonesian translation, e.g. {missing[:10]}"


def test_placeholders_survive_translation(catalogue: dict[str, str]) -> None:
    broken = [i for i, s in catalogue.items() if s and sorted(PLACEHOLDER.findall(i)) != sorted(PLACEHOLDER.findall(s))]
    assert not broken, broken[:10]


@pytest.mark.parametrize("msgid, expected", [("Residents", "Penduduk"), ("Outstanding", "Belum rekam")])
def test_known_translations(catalogue: dict[str, str], msgid: str, expected: str) -> None:
    assert catalogue[msgid] == expected
