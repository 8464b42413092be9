"""Kits and teams: two kits per kecamatan (standby at the office, mobile with the team),
a kecamatan team each, and two Dinas teams with kits of their own touring the kecamatan."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from ..domain.enums import DeviceCondition, DeviceOwnerKind, DeviceRole, Sex, TeamKind
from ..models import Device, Team, TeamMember
from .campaign import DONE_DAYS, PLANNED_DAYS
from .draw import pick, ri
from .people import full_name, phone, title
from .store import Ids

#: (team id, team name)
TeamRef = tuple[int, str]
#: (device id, serial number)
KitRef = tuple[int, str]

_STAMP = {"version": 1, "created_at": dt.datetime(2016, 9, 1, 8, 0), "updated_at": dt.datetime(2016, 9, 1, 8, 0)}


@dataclass
class Crews:
    """Who records with which kit: what the visit scheduler books."""

    #: kecamatan code -> device role ("standby" / "mobile") -> kit
    kits: dict[str, dict[str, KitRef]] = field(default_factory=dict)
    #: kecamatan code -> its own team
    kec_team: dict[str, TeamRef] = field(default_factory=dict)
    #: serial -> the day a kit went to repair (no office walk-ins on it from then on)
    repair_from: dict[str, dt.date] = field(default_factory=dict)
    #: the Dinas teams: team id, name, device id, serial
    dinas: list[tuple[int, str, int, str]] = field(default_factory=list)
    #: kecamatan code -> the days a Dinas team (index in ``dinas``) works there
    dinas_days: dict[str, list[tuple[dt.date, int]]] = field(default_factory=dict)
    devices: int = 0
    teams: int = 0


def setup_kits_and_teams(conn: sa.Connection, ids: Ids, rng: random.Random,
                         kecamatan: list[tuple[str, str]]) -> Crews:
    """Insert the kits, teams and team members; return who works with what, where and when."""
    crews = Crews()
    devices, teams, members = [], [], []
    broken = pick(rng, kecamatan)[0]
    for kec_code, kec_name in kecamatan:
        office = f"Kantor Kecamatan {kec_name}"
        crews.kits[kec_code] = {}
        for role, suffix in ((DeviceRole.STANDBY, "STB"), (DeviceRole.MOBILE, "MOB")):
            device_id = ids.take(Device.__table__)
            serial = f"KTPEL-{kec_code.replace('.', '')}-{suffix}"
            condition, notes = DeviceCondition.WORKING, None
            if role == DeviceRole.STANDBY and kec_code == broken:
                condition = DeviceCondition.IN_REPAIR
                notes = "Pemindai sidik jari rusak sejak 20-09-2016; dikirim ke Dinas untuk diperbaiki."
                crews.repair_from[serial] = dt.date(2016, 9, 20)
            devices.append({
                "id": device_id, "serial_number": serial, "owner_kind": DeviceOwnerKind.KECAMATAN.value,
                "owner_kecamatan_code": kec_code, "role": role.value, "condition": condition.value,
                "location": office if role == DeviceRole.STANDBY else f"{office} (dibawa tim keliling)",
                "notes": notes, **_STAMP,
            })
            crews.kits[kec_code][role.value] = (device_id, serial)
        team_id = ids.take(Team.__table__)
        team_name = f"Tim Kecamatan {kec_name}"
        teams.append({"id": team_id, "name": team_name, "kind": TeamKind.KECAMATAN.value,
                      "kecamatan_code": kec_code, "notes": None, **_STAMP})
        crews.kec_team[kec_code] = (team_id, team_name)
        for position in ("Kasi Pemerintahan", "Operator SIAK", "Operator perekaman", "Staf kecamatan"):
            members.append(_member(rng, ids, team_id, position))
    for n in (1, 2):
        device_id = ids.take(Device.__table__)
        serial = f"KTPEL-3510-DINAS-{n}"
        devices.append({
            "id": device_id, "serial_number": serial, "owner_kind": DeviceOwnerKind.DINAS.value,
            "owner_kecamatan_code": None, "role": DeviceRole.MOBILE.value,
            "condition": DeviceCondition.WORKING.value,
            "location": f"Dibawa Tim Dinas {n} (jemput bola)", "notes": None, **_STAMP,
        })
        team_id = ids.take(Team.__table__)
        name = f"Tim Dinas {n} Jemput Bola"
        teams.append({"id": team_id, "name": name, "kind": TeamKind.DINAS.value,
                      "kecamatan_code": None, "notes": "Dispendukcapil Kabupaten Banyuwangi", **_STAMP})
        for position in ("Ketua tim (Dispendukcapil)", "Operator perekaman", "Operator perekaman",
                         "Pengemudi"):
            members.append(_member(rng, ids, team_id, position))
        crews.dinas.append((team_id, name, device_id, serial))
    # Dinas rotation: 2 teams x 30 days, visiting the kecamatan in a shuffled order.
    order = [code for code, _n in kecamatan]
    rng.shuffle(order)
    slot = 0
    for day in DONE_DAYS + PLANNED_DAYS:
        for team_index in range(len(crews.dinas)):
            crews.dinas_days.setdefault(order[slot % len(order)], []).append((day, team_index))
            slot += 1
    conn.execute(sa.insert(Device.__table__), devices)
    conn.execute(sa.insert(Team.__table__), teams)
    conn.execute(sa.insert(TeamMember.__table__), members)
    crews.devices, crews.teams = len(devices), len(teams)
    return crews


def _member(rng: random.Random, ids: Ids, team_id: int, position: str) -> dict[str, Any]:
    sex = Sex.MALE if rng.random() < 0.6 else Sex.FEMALE
    return {"id": ids.take(TeamMember.__table__), "team_id": team_id,
            "name": title(full_name(rng, sex, ri(rng, 1965, 1992))), "position": position,
            "phone": phone(rng)}
