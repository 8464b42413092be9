"""A small, fixed campaign for the browser tests: run as ``python tests/e2e/seed.py``.

It builds on a database that already has its tables, Banyuwangi's regions and
the clerk's login (``flask ektp init-db``, ``load-regions 35.10``,
``create-user``). The residents are inserted as the population database would
hold them, so the tests know every NIK and name in advance.

Kecamatan Pesanggaran (35.10.01): the clerk's own. Desa Sarongan
(35.10.01.2001) is where the flow happens: the clerk fixes SITI AMINAH's phone
number and records MBAH SUPARMI and SUKARDI at home.
"""
from __future__ import annotations

import datetime as dt
import sys

KECAMATAN = "35.10.01"
DESA = "35.10.01.2001"  # Sarongan
DESA_NAME = "Sarongan"

#: (name, sex, birth date, KTP-el status, extra columns) of Sarongan's residents.
SARONGAN = [
    ("SITI AMINAH", "P", dt.date(1980, 5, 17), "not_recorded", {"phone": "0813 3000 12", "rt": "002", "rw": "001"}),
    ("MBAH SUPARMI", "P", dt.date(1938, 3, 2), "not_recorded", {"disabled": True, "disability_note": "tuna daksa", "rt": "001", "rw": "001"}),
    ("SUKARDI", "L", dt.date(1945, 11, 9), "not_recorded", {"seriously_ill": True, "rt": "001", "rw": "001"}),
    ("AHMAD FAUZI", "L", dt.date(1990, 1, 23), "not_recorded", {"away": True, "away_location": "Malaysia (TKI)", "rt": "003", "rw": "002"}),
    ("DEWI LESTARI", "P", dt.date(1999, 8, 30), "not_recorded", {"rt": "003", "rw": "002"}),
    ("BAGUS SETIAWAN", "L", dt.date(1999, 7, 4), "enrol_failed", {"rt": "004", "rw": "002"}),
    ("NURUL HIDAYAH", "P", dt.date(1972, 12, 1), "not_recorded", {"rt": "004", "rw": "002"}),
    ("SLAMET RIYADI", "L", dt.date(1966, 4, 15), "recorded", {"rt": "002", "rw": "001"}),
    ("ENDANG SRI WAHYUNI", "P", dt.date(1985, 2, 11), "printed", {"rt": "002", "rw": "001"}),
    ("RIZKY PRATAMA", "L", dt.date(2002, 10, 5), "not_recorded", {"rt": "003", "rw": "002"}),  # 13: not wajib yet
]

#: A home-visit group of its own (tests/e2e/test_home_visit.py records it): desa
#: Sumberagung, RW 002/RT 004. PAK KASIMAN is seriously ill, so he hosts.
HOME_DESA = "35.10.01.2004"
HOME_DESA_NAME = "Sumberagung"
HOME_GROUP = [
    ("MBOK SANIYEM", "P", dt.date(1936, 6, 12), {"rt": "004", "rw": "002"}),
    ("MBAH TUMINAH", "P", dt.date(1950, 8, 17), {"rt": "004", "rw": "002", "disabled": True}),
    ("PAK KASIMAN", "L", dt.date(1944, 2, 20), {"rt": "004", "rw": "002", "seriously_ill": True}),
]

#: Other desa of Pesanggaran: (desa code, outstanding residents, recorded residents).
OTHER_DESA = [
    ("35.10.01.2002", 6, 3),  # Pesanggaran
    ("35.10.01.2004", 4, 5),  # Sumberagung
    ("35.10.01.2009", 3, 1),  # Kandangan
    ("35.10.01.2010", 2, 2),  # Sumbermulyo
]
_MEN = ["SUPRIYADI", "HARIYANTO", "BUDI SANTOSO", "KHOIRUL ANAM", "MUHAMMAD SHOLEH", "AGUS SALIM",
        "IMAM SUBEKTI", "JOKO SUSILO", "ABDUL ROHMAN", "SUGENG RIYANTO", "MOH. HASAN", "EKO PRASETYO"]
_WOMEN = ["SRI UTAMI", "TITIK SUMARNI", "WIWIK HANDAYANI", "SUMIATI", "YULI ASTUTIK", "NUR AINI",
          "SITI KHOTIJAH", "RINA WATI", "ENDAH PURWANTI", "LILIK MUFIDAH", "UMI KALSUM", "MUJIATI"]

TEAM = "Tim Jemput Bola Pesanggaran"
#: The Dinas' two teams that rotate across the kecamatan (the roster's).
DINAS_TEAMS = ["Tim Dinas Satu", "Tim Dinas Dua"]
#: The regency's campaign: its pace (the recordings of the other desa, 15-18 September)
#: cannot record Pesanggaran's backlog by the target date, so the forecast flags it late.
CAMPAIGN = "Jemput Bola September 2016"
CAMPAIGN_START, CAMPAIGN_TARGET = dt.date(2016, 9, 7), dt.date(2016, 9, 28)
DEVICE = "PSG-2016-M01"


def nik(birth_date: dt.date, sex: str, serial: int, kecamatan: str = KECAMATAN) -> str:
    """``PP KK CC DDMMYY SSSS``, 40 added to the day for women."""
    day = birth_date.day + (40 if sex == "P" else 0)
    return f"{kecamatan.replace('.', '')}{day:02d}{birth_date:%m%y}{serial:04d}"


def residents() -> list[dict]:
    """Every seeded resident as column values (deterministic)."""
    rows = []
    serial = 1
    for name, sex, born, status, extra in SARONGAN:
        rows.append(dict(nik=nik(born, sex, serial), name=name, sex=sex, birth_date=born, desa_code=DESA,
                         birth_place="Banyuwangi", address=f"Dusun Sarongan RT {extra.get('rt', '001')}",
                         ktp_status=status, **extra))
        serial += 1
    for name, sex, born, extra in HOME_GROUP:
        rows.append(dict(nik=nik(born, sex, serial), name=name, sex=sex, birth_date=born, desa_code=HOME_DESA,
                         birth_place="Banyuwangi", address="Dusun Krajan RT 004 RW 002", ktp_status="not_recorded",
                         **extra))
        serial += 1
    i = 0
    for desa, outstanding, recorded in OTHER_DESA:
        for k in range(outstanding + recorded):
            sex = "P" if i % 2 else "L"
            born = dt.date(1950 + (i * 7) % 45, 1 + i % 12, 1 + (i * 5) % 28)
            rows.append(dict(nik=nik(born, sex, serial), name=(_WOMEN if sex == "P" else _MEN)[(i // 2) % 12], sex=sex, birth_date=born,
                             desa_code=desa, birth_place="Banyuwangi",
                             ktp_status="not_recorded" if k < outstanding else "recorded"))
            serial += 1
            i += 1
    return rows


def main() -> None:
    from ektp_admin.models import Campaign, Device, Resident, Team, Visit, VisitResult, db
    from ektp_admin.standalone import create_app

    app = create_app()
    with app.app_context():
        if db.session.execute(db.select(Resident.id).limit(1)).first() is not None:
            sys.exit("seed.py expects an empty database (no residents yet)")
        changed_on = dt.date(2016, 9, 1)
        seeded = [Resident(kecamatan_code=values["desa_code"][:8], ktp_status_changed_on=changed_on, **values)
                  for values in residents()]
        db.session.add_all(seeded)
        team = Team(name=TEAM, kind="kecamatan", kecamatan_code=KECAMATAN)
        mobile = Device(serial_number=DEVICE, owner_kind="kecamatan", owner_kecamatan_code=KECAMATAN,
                        role="mobile", condition="working", location="Kantor Kecamatan Pesanggaran")
        db.session.add_all([team, mobile, *(Team(name=name, kind="dinas") for name in DINAS_TEAMS)])
        db.session.add(Device(serial_number="PSG-2016-S01", owner_kind="kecamatan", owner_kecamatan_code=KECAMATAN,
                              role="standby", condition="working", location="Kantor Kecamatan Pesanggaran"))
        db.session.flush()
        # The next visit to the village, announced on its printable sheet.
        db.session.add(Visit(day=dt.date(2016, 9, 24), start_time=dt.time(8, 0), end_time=dt.time(14, 0),
                             kind="village_post", state="planned", kecamatan_code=KECAMATAN, desa_code=DESA,
                             host_address="Balai Desa Sarongan", team=team, device=mobile))
        # The campaign, and the village posts of 15-18 September that recorded the other
        # desa's "recorded" residents (one post a desa; Sarongan's flow is the tests').
        campaign = Campaign(name=CAMPAIGN, start_date=CAMPAIGN_START, target_date=CAMPAIGN_TARGET, scope_code="35.10")
        db.session.add(campaign)
        for n, (desa, _outstanding, _recorded) in enumerate(OTHER_DESA):
            post = Visit(day=dt.date(2016, 9, 15 + n), start_time=dt.time(8, 0), end_time=dt.time(13, 0),
                         kind="village_post", state="done", kecamatan_code=KECAMATAN, desa_code=desa,
                         team=team, device=mobile, campaign=campaign)
            db.session.add(post)
            for resident in seeded:
                if resident.desa_code == desa and resident.ktp_status == "recorded":
                    db.session.add(VisitResult(visit=post, resident=resident, result="recorded",
                                               previous_status="not_recorded"))
                    resident.recorded_visit = post
        db.session.commit()
        print(f"Seeded {len(residents())} residents, 3 teams, 2 devices, 1 campaign, 4 done and 1 planned visit.")


if __name__ == "__main__":
    main()
