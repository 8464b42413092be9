"""People: names, phones, households (family cards), birth dates, KK and NIK numbers.

Everything here draws from the generator it is given and touches no database, so the
same draws in the same order give the same people.
"""
from __future__ import annotations

import datetime as dt
import random
import string
from dataclasses import dataclass
from typing import Any

from ..domain.eligibility import WAJIB_KTP_AGE
from ..domain.enums import MaritalStatus, Sex
from .campaign import DEMO_TODAY
from .draw import pick, random_date, ri
from .vocabulary import (
    MID_FEMALE,
    MID_FEMALE_FAMILY,
    MID_MALE,
    MID_MALE_FAMILY,
    OLD_FEMALE,
    OLD_MALE,
    PHONE_PREFIXES,
    YOUNG_FEMALE,
    YOUNG_FEMALE_FAMILY,
    YOUNG_MALE,
    YOUNG_MALE_FAMILY,
)

#: One household member: role (head, wife, parent, child), sex, age on DEMO_TODAY, marital status.
Member = tuple[str, Sex, int, MaritalStatus]


@dataclass
class Person:
    """A resident's row as it will be inserted, with the facts the later draws need.

    The birth date makes ``age`` exact on DEMO_TODAY, so ``wajib`` is
    ``is_wajib_ktp(birth_date, marital, DEMO_TODAY)``.
    """

    row: dict[str, Any]
    age: int
    marital: MaritalStatus
    sex: Sex

    @property
    def wajib(self) -> bool:
        return self.age >= WAJIB_KTP_AGE or self.marital != MaritalStatus.SINGLE


def title(name: str) -> str:
    """SIAK's upper case to a name as written in a letter (keeps "Juma'ati")."""
    return string.capwords(name.lower())


def phone(rng: random.Random) -> str:
    digits = 7 + (rng.random() < 0.5)
    return f"{pick(rng, PHONE_PREFIXES)}{int(rng.random() * 10 ** digits):0{digits}d}"


def full_name(rng: random.Random, sex: Sex, birth_year: int) -> str:
    """A name of the generation born in ``birth_year``, as SIAK stores it."""
    male = sex == Sex.MALE
    if birth_year < 1960:
        given = OLD_MALE if male else OLD_FEMALE
        name = pick(rng, given)
        if rng.random() < 0.25:
            name += " " + pick(rng, given)
        if rng.random() < 0.05:
            name = ("H. " if male else "HJ. ") + name
        return name
    if birth_year < 1990:
        given, family = (MID_MALE, MID_MALE_FAMILY) if male else (MID_FEMALE, MID_FEMALE_FAMILY)
        r = rng.random()
        if r < 0.1:
            return pick(rng, given)
        if r < 0.2:
            return f"{pick(rng, given)} {pick(rng, given)} {pick(rng, family)}"
        prefix = "MOH. " if male and rng.random() < 0.08 else ""
        return f"{prefix}{pick(rng, given)} {pick(rng, family)}"
    given, family = (YOUNG_MALE, YOUNG_MALE_FAMILY) if male else (YOUNG_FEMALE, YOUNG_FEMALE_FAMILY)
    r = rng.random()
    if r < 0.6:
        return f"{pick(rng, given)} {pick(rng, family)}"
    if r < 0.9:
        return f"{pick(rng, given)} {pick(rng, given)} {pick(rng, family)}"
    return f"{pick(rng, given)} {pick(rng, given)}"


def household(rng: random.Random) -> list[Member]:
    """Members of one household (family card, KK): role, sex, age, marital status.

    Shapes and ages are tuned so that about 30 % of everyone is under 17 and about
    12 % is 60 or older, like Banyuwangi in 2016.
    """
    S, M = Sex, MaritalStatus
    members: list[Member] = []
    kind = rng.random()
    if kind < 0.08:  # one person: a young worker or a widow(er)
        if rng.random() < 0.4:
            members.append(("head", pick(rng, (S.MALE, S.FEMALE)), ri(rng, 18, 35), M.SINGLE))
        else:
            members.append(("head", S.FEMALE if rng.random() < 0.7 else S.MALE, ri(rng, 60, 92), M.WIDOWED))
        return members
    if kind < 0.18:  # a widowed or divorced mother with her children
        mother = 28 + int(55 * rng.betavariate(1.6, 2.2))
        members.append(("head", S.FEMALE, mother, M.WIDOWED if rng.random() < 0.7 else M.DIVORCED))
    else:  # a couple (and their children)
        head = 20 + int(62 * rng.betavariate(1.4, 2.4))
        wife = max(18, head - ri(rng, -2, 8))
        if head < 24 and rng.random() < 0.08:
            wife = 16  # married young: wajib KTP although under 17
        members.append(("head", S.MALE, head, M.MARRIED))
        members.append(("wife", S.FEMALE, wife, M.MARRIED))
        mother = wife
        if kind > 0.78 and head < 60:  # a widowed parent lives with them
            members.append(("parent", S.FEMALE if rng.random() < 0.75 else S.MALE,
                            min(97, head + ri(rng, 22, 34)), M.WIDOWED))
    children = rng.choices((0, 1, 2, 3, 4, 5), weights=(3, 12, 29, 29, 17, 10))[0]
    for _ in range(children):
        age = mother - ri(rng, 19, 38)
        if age < 0:
            continue
        if age > 23 and rng.random() < 0.8:
            continue  # has a household of its own
        marital = M.DIVORCED if age >= 23 and rng.random() < 0.1 else M.SINGLE
        members.append(("child", pick(rng, (S.MALE, S.FEMALE)), age, marital))
    return members


def _birth_range(age: int) -> tuple[int, int]:
    """Ordinals of the first and last birth date of someone exactly ``age`` on DEMO_TODAY."""
    last = DEMO_TODAY.replace(year=DEMO_TODAY.year - age)
    first = DEMO_TODAY.replace(year=DEMO_TODAY.year - age - 1) + dt.timedelta(days=1)
    return first.toordinal(), last.toordinal()


_BIRTH_RANGES = [_birth_range(age) for age in range(0, 110)]


def birth_date(rng: random.Random, age: int) -> dt.date:
    """A birth date that makes someone exactly ``age`` on DEMO_TODAY."""
    return dt.date.fromordinal(ri(rng, *_BIRTH_RANGES[age]))


def wajib_since(birth: dt.date, marital: MaritalStatus) -> dt.date:
    """The day someone became wajib KTP: the 17th birthday (1 March for 29 February);
    for those married younger, a year before DEMO_TODAY (the wedding is not on file)."""
    try:
        birthday = birth.replace(year=birth.year + WAJIB_KTP_AGE)
    except ValueError:
        birthday = dt.date(birth.year + WAJIB_KTP_AGE, 3, 1)
    if birthday > DEMO_TODAY and marital != MaritalStatus.SINGLE:
        return DEMO_TODAY - dt.timedelta(days=365)
    return birthday


class Numbering:
    """KK and NIK numbers of one kecamatan's residents, unique across the regency."""

    def __init__(self, kec_code: str, kecamatan_codes: list[str]) -> None:
        self.kec_code = kec_code
        self.lanes = len(kecamatan_codes)
        self.lane = kecamatan_codes.index(kec_code)
        self.nik_serials: dict[str, int] = {}
        self.kk_serials: dict[str, int] = {}

    def kk_number(self, rng: random.Random) -> str:
        """A family card issued in this kecamatan between 2005 and August 2016."""
        issued = random_date(rng, dt.date(2005, 1, 1), dt.date(2016, 8, 31))
        prefix = self.kec_code.replace(".", "") + issued.strftime("%d%m%y")
        serial = self.kk_serials.get(prefix, 0) + 1
        self.kk_serials[prefix] = serial
        return f"{prefix}{serial:04d}"

    def nik(self, issue_kec: str, birth: dt.date, sex: Sex) -> str:
        """Region of first issue + DDMMYY (day + 40 for women) + serial, unique.

        Serials are counted per prefix while one kecamatan is generated: residents whose
        NIK was issued where they live get 0001-5000; those whose NIK comes from another
        kecamatan get 5001-9999 in a lane of their own kecamatan, so no two kecamatan
        can hand out the same NIK.
        """
        day = birth.day + (40 if sex == Sex.FEMALE else 0)
        prefix = f"{issue_kec.replace('.', '')}{day:02d}{birth:%m%y}"
        if issue_kec == self.kec_code:
            serial = self.nik_serials.get(prefix, 0) + 1
            if serial > 5000:
                raise RuntimeError(f"too many NIKs with prefix {prefix}")
            self.nik_serials[prefix] = serial
            return f"{prefix}{serial:04d}"
        key = "x" + prefix
        lane = self.nik_serials.get(key, 0)
        self.nik_serials[key] = lane + 1
        serial = 5001 + lane * self.lanes + self.lane
        if serial > 9999:
            raise RuntimeError(f"too many NIKs with prefix {prefix}")
        return f"{prefix}{serial:04d}"
