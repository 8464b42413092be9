"""Age, wajib KTP, lansia, outstanding, and the purity of the domain package."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # runnable without a rootdir conftest or an installed package
    sys.path.insert(0, str(ROOT))

from ektp_admin.domain.eligibility import (  # noqa: E402
    LANSIA_AGE,
    OUTSTANDING_STATUSES,
    WAJIB_KTP_AGE,
    age_on,
    birth_date_cutoff,
    check_birth_date,
    is_lansia,
    is_newly_wajib,
    is_outstanding,
    is_wajib_ktp,
    newly_wajib_birth_range,
)
from ektp_admin.domain.enums import Citizenship, KtpStatus, MaritalStatus  # noqa: E402

DOMAIN_DIR = ROOT / "ektp_admin" / "domain"
M = MaritalStatus


def test_constants() -> None:
    assert WAJIB_KTP_AGE == 17
    assert LANSIA_AGE == 60
    assert OUTSTANDING_STATUSES == {KtpStatus.NOT_RECORDED, KtpStatus.ENROL_FAILED}


@pytest.mark.parametrize(
    ("birth_date", "on", "age"),
    [
        (date(1999, 9, 15), date(2016, 9, 14), 16),  # eve of the 17th birthday
        (date(1999, 9, 15), date(2016, 9, 15), 17),  # the birthday itself
        (date(1999, 9, 15), date(2016, 12, 31), 17),
        (date(1999, 12, 31), date(2017, 1, 1), 17),
        (date(1956, 9, 15), date(2016, 9, 14), 59),
        (date(1956, 9, 15), date(2016, 9, 15), 60),
        (date(2016, 9, 15), date(2016, 9, 15), 0),
        (date(2016, 9, 15), date(2016, 9, 14), -1),  # before birth
        # 29 February: in non-leap years the birthday is reached on 1 March
        (date(2000, 2, 29), date(2017, 2, 28), 16),
        (date(2000, 2, 29), date(2017, 3, 1), 17),
        (date(2000, 2, 29), date(2016, 2, 28), 15),
        (date(2000, 2, 29), date(2016, 2, 29), 16),
        # born 28 Feb / 1 Mar, measured on 29 Feb
        (date(2007, 2, 28), date(2024, 2, 29), 17),
        (date(2007, 3, 1), date(2024, 2, 29), 16),
    ],
)
def test_age_on(birth_date: date, on: date, age: int) -> None:
    assert age_on(birth_date, on) == age


@pytest.mark.parametrize(
    ("on", "years", "cutoff"),
    [
        (date(2016, 9, 15), 17, date(1999, 9, 15)),
        (date(2016, 9, 15), 60, date(1956, 9, 15)),
        (date(2016, 9, 15), 0, date(2016, 9, 15)),
        (date(2024, 2, 29), 17, date(2007, 2, 28)),  # 2007 has no 29 Feb
        (date(2024, 2, 29), 4, date(2020, 2, 29)),
        (date(2017, 2, 28), 17, date(2000, 2, 28)),  # born 29-02-2000 is still 16
        (date(2017, 3, 1), 17, date(2000, 3, 1)),
    ],
)
def test_birth_date_cutoff(on: date, years: int, cutoff: date) -> None:
    assert birth_date_cutoff(on, years) == cutoff


def test_birth_date_cutoff_rejects_negative_years() -> None:
    with pytest.raises(ValueError):
        birth_date_cutoff(date(2016, 9, 15), -1)


@pytest.mark.parametrize("years", [0, 1, 4, 17, 60])
def test_cutoff_agrees_with_age_on_every_day(years: int) -> None:
    day = date(2019, 1, 1)
    leap_births = [date(y, 2, 29) for y in (1956, 1960, 2000, 2004, 2008, 2020)]
    while day <= date(2026, 12, 31):
        cutoff = birth_date_cutoff(day, years)
        assert age_on(cutoff, day) >= years, (day, cutoff)
        assert age_on(cutoff + timedelta(days=1), day) < years, (day, cutoff)
        for birth in leap_births:
            assert (birth <= cutoff) == (age_on(birth, day) >= years), (day, birth)
        day += timedelta(days=1)


@pytest.mark.parametrize(
    ("birth_date", "marital", "on", "citizenship", "wajib"),
    [
        (date(1999, 9, 15), M.SINGLE, date(2016, 9, 14), Citizenship.WNI, False),
        (date(1999, 9, 15), M.SINGLE, date(2016, 9, 15), Citizenship.WNI, True),
        (date(1999, 9, 15), None, date(2016, 9, 15), Citizenship.WNI, True),
        (date(2000, 1, 1), M.MARRIED, date(2016, 9, 15), Citizenship.WNI, True),  # married at 16
        (date(2000, 1, 1), M.DIVORCED, date(2016, 9, 15), Citizenship.WNI, True),
        (date(2000, 1, 1), M.WIDOWED, date(2016, 9, 15), Citizenship.WNI, True),
        (date(2000, 1, 1), M.SINGLE, date(2016, 9, 15), Citizenship.WNI, False),
        (date(2000, 1, 1), None, date(2016, 9, 15), Citizenship.WNI, False),
        (date(2000, 1, 1), "married", date(2016, 9, 15), Citizenship.WNI, True),  # stored code
        (date(1950, 1, 1), M.SINGLE, date(2016, 9, 15), Citizenship.WNA_PERMANENT, True),
        (date(2000, 1, 1), M.MARRIED, date(2016, 9, 15), Citizenship.WNA_PERMANENT, True),
        (date(2000, 1, 1), M.SINGLE, date(2016, 9, 15), Citizenship.WNA_PERMANENT, False),
        (date(1950, 1, 1), M.MARRIED, date(2016, 9, 15), Citizenship.WNA_OTHER, False),
        (date(2017, 1, 1), M.MARRIED, date(2016, 9, 15), Citizenship.WNI, False),  # not born yet
    ],
)
def test_is_wajib_ktp(
    birth_date: date, marital: MaritalStatus | None, on: date, citizenship: Citizenship, wajib: bool
) -> None:
    assert is_wajib_ktp(birth_date, marital, on, citizenship) is wajib


def test_is_wajib_ktp_defaults_to_citizen() -> None:
    assert is_wajib_ktp(date(1999, 9, 15), M.SINGLE, date(2016, 9, 15)) is True


@pytest.mark.parametrize(
    ("birth_date", "on", "lansia"),
    [
        (date(1956, 9, 15), date(2016, 9, 14), False),
        (date(1956, 9, 15), date(2016, 9, 15), True),
        (date(1920, 1, 1), date(2016, 9, 15), True),
        (date(1990, 1, 1), date(2016, 9, 15), False),
    ],
)
def test_is_lansia(birth_date: date, on: date, lansia: bool) -> None:
    assert is_lansia(birth_date, on) is lansia


@pytest.mark.parametrize(
    ("wajib", "status", "outstanding"),
    [
        (True, KtpStatus.NOT_RECORDED, True),
        (True, KtpStatus.ENROL_FAILED, True),
        (True, KtpStatus.RECORDED, False),
        (True, KtpStatus.SENT, False),
        (True, KtpStatus.PRINT_READY, False),
        (True, KtpStatus.PRINTED, False),
        (True, KtpStatus.HANDED_OVER, False),
        (True, KtpStatus.DUPLICATE, False),  # needs a deletion request, not a recording
        (False, KtpStatus.NOT_RECORDED, False),
        (False, KtpStatus.ENROL_FAILED, False),
        (True, "not_recorded", True),  # stored code
    ],
)
def test_is_outstanding(wajib: bool, status: KtpStatus, outstanding: bool) -> None:
    assert is_outstanding(wajib, status) is outstanding


SINCE = date(2016, 9, 1)
ON = date(2016, 9, 30)


@pytest.mark.parametrize(
    ("birth_date", "since", "on", "newly"),
    [
        (date(1999, 9, 1), SINCE, ON, True),  # 17 on the first day
        (date(1999, 9, 30), SINCE, ON, True),  # 17 on the last day
        (date(1999, 9, 15), SINCE, ON, True),
        (date(1999, 8, 31), SINCE, ON, False),  # already 17 before
        (date(1999, 10, 1), SINCE, ON, False),  # not 17 yet
        (date(1990, 9, 15), SINCE, ON, False),
        (date(2000, 2, 29), date(2017, 3, 1), date(2017, 3, 31), True),  # reached on 1 March
        (date(2000, 2, 29), date(2017, 2, 1), date(2017, 2, 28), False),
        (date(2000, 2, 29), date(2017, 2, 28), date(2017, 2, 28), False),
        (date(2007, 2, 28), date(2024, 2, 29), date(2024, 2, 29), False),  # 17 on 28 Feb
        (date(2007, 2, 28), date(2024, 2, 28), date(2024, 2, 28), True),
        (date(2007, 3, 1), date(2024, 2, 29), date(2024, 3, 1), True),
    ],
)
def test_is_newly_wajib(birth_date: date, since: date, on: date, newly: bool) -> None:
    assert is_newly_wajib(birth_date, on, since) is newly


def test_newly_wajib_birth_range() -> None:
    assert newly_wajib_birth_range(ON, SINCE) == (date(1999, 9, 1), date(1999, 9, 30))
    assert newly_wajib_birth_range(date(2017, 3, 1), date(2017, 3, 1)) == (date(2000, 2, 29), date(2000, 3, 1))
    with pytest.raises(ValueError):
        newly_wajib_birth_range(SINCE, ON)


def test_newly_wajib_agrees_with_age_on() -> None:
    since, on = date(2023, 12, 20), date(2024, 3, 10)
    birth = date(2006, 11, 1)
    while birth <= date(2007, 4, 1):
        expected = age_on(birth, on) >= 17 and age_on(birth, since - timedelta(days=1)) < 17
        assert is_newly_wajib(birth, on, since) is expected, birth
        birth += timedelta(days=1)


@pytest.mark.parametrize(
    ("birth_date", "today", "texts"),
    [
        (date(1990, 3, 12), date(2016, 9, 15), []),
        (date(2016, 9, 15), date(2016, 9, 15), []),  # born today
        (date(1900, 1, 1), date(2016, 9, 15), []),
        (date(2016, 9, 16), date(2016, 9, 15), ["The birth date (16-09-2016) is in the future."]),
        (date(1899, 12, 31), date(2016, 9, 15), ["The birth date (31-12-1899) is before 1900; please check it."]),
    ],
)
def test_check_birth_date(birth_date: date, today: date, texts: list[str]) -> None:
    assert [str(m) for m in check_birth_date(birth_date, today)] == texts


# -- the domain package as a whole --------------------------------------------------

FORBIDDEN = ("flask", "flask_admin", "flask_sqlalchemy", "flask_babel", "sqlalchemy", "wtforms", "ektp_admin.models")

PURITY_SCRIPT = r"""
import importlib, json, pkgutil, sys, types
root, forbidden = sys.argv[1], tuple(sys.argv[2].split(","))

class Block:
    def find_spec(self, name, path=None, target=None):
        if any(name == f or name.startswith(f + ".") for f in forbidden):
            raise ImportError("domain must not import " + name)
        return None

sys.meta_path.insert(0, Block())
# Load ektp_admin.domain without running ektp_admin/__init__.py (which uses Flask).
pkg = types.ModuleType("ektp_admin")
pkg.__path__ = [root + "/ektp_admin"]
sys.modules["ektp_admin"] = pkg
domain = importlib.import_module("ektp_admin.domain")
for info in pkgutil.iter_modules(domain.__path__):
    importlib.import_module("ektp_admin.domain." + info.name)
print(json.dumps(sorted(m for m in sys.modules if any(m == f or m.startswith(f + ".") for f in forbidden))))
"""


def test_domain_imports_no_framework() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PURITY_SCRIPT, str(ROOT), ",".join(FORBIDDEN)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_domain_sources_name_no_framework() -> None:
    for path in sorted(DOMAIN_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level == 1:  # a sibling inside the domain package
                    continue
                if node.level == 0:
                    names = [node.module or ""]
                elif node.module:  # from ..x import y
                    names = ["ektp_admin." + node.module]
                else:  # from .. import x
                    names = ["ektp_admin." + alias.name for alias in node.names]
            else:
                continue
            for name in names:
                assert not any(name == f or name.startswith(f + ".") for f in FORBIDDEN), (path.name, name)


def test_package_exports() -> None:
    import ektp_admin.domain as domain

    assert len(domain.__all__) == len(set(domain.__all__))
    for name in domain.__all__:
        assert hasattr(domain, name), name
    for name in ("parse_nik", "NikParts", "age_on", "is_wajib_ktp", "ALLOWED_MOVES", "check_move",
                 "move", "check_device_booking", "status_after_recording", "Message", "RuleViolation",
                 "KtpStatus", "Sex", "N_"):
        assert name in domain.__all__, name


# ---------------------------------------------------------------------- leaving for good


def test_a_departed_resident_is_no_longer_wajib_here() -> None:
    from ektp_admin.domain.enums import Departure

    born = date(1970, 1, 1)
    assert is_wajib_ktp(born, M.MARRIED, date(2016, 9, 21)) is True
    for departure in Departure:
        assert is_wajib_ktp(born, M.MARRIED, date(2016, 9, 21), departure=departure) is False


@pytest.mark.parametrize("departure, on, note, codes", [
    (None, None, None, []),
    (None, date(2016, 9, 1), None, ["departure_date_without_departure"]),
    ("moved_out", date(2016, 9, 1), "Surabaya", []),
    ("moved_out", date(2016, 9, 1), "  ", ["departure_needs_destination"]),
    ("deceased", date(2016, 9, 1), None, ["departure_needs_source"]),
    ("deceased", None, "akta", ["departure_needs_date"]),
    ("deceased", date(2016, 9, 22), "akta", ["departure_in_future"]),
    ("deceased", date(1969, 12, 31), "akta", ["departure_before_birth"]),
])
def test_check_departure(departure: str | None, on: date | None, note: str | None, codes: list[str]) -> None:
    from ektp_admin.domain.eligibility import check_departure
    from ektp_admin.domain.enums import Departure

    found = check_departure(Departure(departure) if departure else None, on, note, date(1970, 1, 1), date(2016, 9, 21))
    assert [m.code for m in found] == codes
