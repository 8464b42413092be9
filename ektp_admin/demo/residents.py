"""Residents of one kecamatan, desa by desa, as rows for the bulk insert.

The derived columns the ORM listeners would fill (``name_key``, ``kecamatan_code``) are
filled here with the models' own helpers. Statuses start as imported (NOT_RECORDED);
:mod:`.pipeline` then sets where each wajib resident stands.
"""
from __future__ import annotations

import random

from ..domain.enums import Citizenship, KtpStatus, MaritalStatus, Sex
from ..models import Resident, name_key
from .campaign import IMPORTED_AT
from .draw import pick, ri
from .people import Numbering, Person, birth_date, full_name, household, phone
from .plan import DesaPlan
from .store import Ids
from .vocabulary import OUTSIDE_BIRTH_PLACES


def _wajib(member: tuple[str, Sex, int, MaritalStatus]) -> bool:
    _role, _sex, age, marital = member
    return Person(row={}, age=age, marital=marital, sex=Sex.MALE).wajib


#: Share of each household role whose NIK was first issued in another kecamatan.
_MOVED_IN = {"head": 0.08, "wife": 0.25, "parent": 0.15}


class ResidentMaker:
    """Makes the residents of one kecamatan (NIK and KK serials are counted per kecamatan)."""

    def __init__(self, ids: Ids, kecamatan: list[tuple[str, str]], kec_code: str, kec_name: str) -> None:
        self.ids = ids
        self.kec_code = kec_code
        self.kec_name = kec_name
        self.kec_codes = [code for code, _name in kecamatan]
        self.kec_names = dict(kecamatan)
        self.numbering = Numbering(kec_code, self.kec_codes)

    def desa(self, rng: random.Random, plan: DesaPlan) -> list[Person]:
        """Exactly ``plan.residents`` people, household by household (a preset's plan:
        exactly ``plan.wajib`` wajib KTP people, with the children of their households)."""
        if plan.wajib is not None:
            return self._desa_by_wajib(rng, plan, plan.wajib)
        people: list[Person] = []
        while len(people) < plan.residents:
            place, rw, rt = pick(rng, plan.rw_rt)
            if plan.is_kelurahan:
                address = f"JL. {place} NO. {ri(rng, 1, 180)}"
            else:
                address = f"DUSUN {place}"
            kk = self.numbering.kk_number(rng)
            members = household(rng)
            room = plan.residents - len(people)
            if len(members) > room:  # the desa is full: part of this family (any part)
                members = rng.sample(members, room)
            for role, sex, age, marital in members:
                people.append(self._person(rng, plan, kk, address, rw, rt, role, sex, age, marital))
        return people

    def _desa_by_wajib(self, rng: random.Random, plan: DesaPlan, quota: int) -> list[Person]:
        people: list[Person] = []
        wajib = 0
        while wajib < quota:
            place, rw, rt = pick(rng, plan.rw_rt)
            address = f"JL. {place} NO. {ri(rng, 1, 180)}" if plan.is_kelurahan else f"DUSUN {place}"
            kk = self.numbering.kk_number(rng)
            members = household(rng)
            adults = [m for m in members if _wajib(m)]
            room = quota - wajib
            if len(adults) > room:  # the quota is met: part of this family's adults, with its children
                kept = set(rng.sample(range(len(adults)), room))
                adults_seen = -1
                trimmed = []
                for m in members:
                    if _wajib(m):
                        adults_seen += 1
                        if adults_seen not in kept:
                            continue
                    trimmed.append(m)
                members = trimmed
            for role, sex, age, marital in members:
                person = self._person(rng, plan, kk, address, rw, rt, role, sex, age, marital)
                wajib += person.wajib
                people.append(person)
        return people

    def _person(self, rng: random.Random, plan: DesaPlan, kk: str, address: str, rw: str, rt: str,
                role: str, sex: Sex, age: int, marital: MaritalStatus) -> Person:
        kec_code = self.kec_code
        birth = birth_date(rng, age)
        issue_kec = kec_code
        if rng.random() < _MOVED_IN.get(role, 0.03):
            issue_kec = pick(rng, self.kec_codes)
        roll = rng.random()
        if roll < 0.05 and age >= 17:
            birth_place = pick(rng, OUTSIDE_BIRTH_PLACES)
        elif issue_kec != kec_code or roll < 0.35:
            birth_place = "BANYUWANGI" if roll < 0.2 else self.kec_names[issue_kec].upper()
        else:
            birth_place = self.kec_name.upper()
        name = full_name(rng, sex, birth.year)
        phone_number = None
        if age >= 17 and rng.random() < (0.65 if role == "head" else 0.3):
            phone_number = phone(rng)
        row = {
            "id": self.ids.take(Resident.__table__),
            "nik": self.numbering.nik(issue_kec, birth, sex),
            "kk_number": kk,
            "name": name,
            "name_key": name_key(name),
            "sex": sex.value,
            "birth_place": birth_place,
            "birth_date": birth,
            "marital_status": marital.value,
            "citizenship": Citizenship.WNI.value,
            "desa_code": plan.code,
            "kecamatan_code": kec_code,
            "address": address,
            "rt": rt,
            "rw": rw,
            "phone": phone_number,
            "disabled": False,
            "disability_note": None,
            "seriously_ill": False,
            "away": False,
            "away_location": None,
            "away_until": None,
            "ktp_status": KtpStatus.NOT_RECORDED.value,
            "ktp_status_changed_on": None,
            "recorded_visit_id": None,
            "notes": None,
            "version": 1,
            "created_at": IMPORTED_AT,
            "updated_at": IMPORTED_AT,
        }
        return Person(row, age, marital, sex)
