"""Demo data: the 2016 "jemput bola" campaign of Kabupaten Banyuwangi (35.10).

:func:`build_demo` fills an empty database with a campaign as it stood on its day 14,
:data:`DEMO_TODAY` (2016-09-21): the regions, residents spread over the 217 desa and
kelurahan, two recording kits per kecamatan (one standby at the office, one mobile),
two Dinas teams with their own kits, kecamatan teams, the campaign (started
2016-09-07, target 2016-10-07), two weeks of visit logs and some visits planned for
the coming days, and outreach records (mosque, village hall, school) per desa.

The numbers follow the article the campaign comes from: before the campaign
56,014 of 1,288,630 wajib-KTP residents (4.35 %) had never been recorded, and the first
two weeks recorded 15,600 of them (27.85 % of that backlog). ``residents`` is the number
of Resident rows; as in Indonesia's age pyramid about 30 % are unmarried children under
17 (not wajib KTP), so the wajib population is about 70 % of it. Shares, not absolute
numbers, are reproduced: the backlog on :data:`DEMO_TODAY` is 4.35 % of whoever is wajib
KTP then, and :attr:`Campaign.baseline_outstanding` stores it.

Everything is derived from ``seed`` (one :class:`random.Random` per kecamatan, seeded
from a string), so a seed gives the same residents, NIKs, visits and results every time.

Speed and memory: residents are generated kecamatan by kecamatan and written in chunks
with SQLAlchemy Core executemany inserts (ids computed here, no RETURNING), so memory
stays bounded by a chunk plus one kecamatan's backlog, never by the population. Core
inserts bypass the ORM, so the audit trail's ``before_flush`` listener
(:mod:`ektp_admin.audit`) does not fire: a bulk demo load is not a clerk's change and
does not belong in the trail. The derived columns the ORM listeners would fill
(``name_key``, ``kecamatan_code``, ``counted_resident_id``) are filled here.

The whole load runs in one transaction: it either completes or leaves nothing behind.
"""
from __future__ import annotations

import datetime as dt
import contextlib
import random
import string
import time as _time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import click
import sqlalchemy as sa

from .domain.eligibility import WAJIB_KTP_AGE, is_wajib_ktp
from .domain.enums import (
    Citizenship,
    DeviceCondition,
    DeviceOwnerKind,
    DeviceRole,
    KtpStatus,
    MaritalStatus,
    OutreachChannel,
    ResultKind,
    Sex,
    TeamKind,
    VisitKind,
    VisitState,
)
from .domain.visits import Booking, check_device_booking, check_visit_time
from .models import (
    Campaign,
    Desa,
    Device,
    Kecamatan,
    Outreach,
    Resident,
    StatusChange,
    Team,
    TeamMember,
    Visit,
    VisitResult,
    metadata,
    name_key,
)

__all__ = [
    "DEMO_REGENCY",
    "DEMO_TODAY",
    "CAMPAIGN_START",
    "CAMPAIGN_TARGET",
    "OUTSTANDING_SHARE",
    "RECORDED_SHARE",
    "DemoDataExists",
    "DemoSummary",
    "build_demo",
    "delete_demo_data",
    "existing_data",
]

DEMO_REGENCY = "35.10"
#: The demo's "now": day 14 of the campaign. Run the portal with
#: EKTP_ADMIN_REFERENCE_DATE=2016-09-21 to see the campaign as it stood then.
DEMO_TODAY = dt.date(2016, 9, 21)
CAMPAIGN_START = dt.date(2016, 9, 7)
CAMPAIGN_TARGET = dt.date(2016, 10, 7)
#: Wajib-KTP residents never recorded before the campaign (56,014 of 1,288,630).
OUTSTANDING_SHARE = 56014 / 1288630
#: Share of that backlog the first two weeks recorded (15,600 of 56,014).
RECORDED_SHARE = 15600 / 56014

#: Days with visit logs (the campaign's first two weeks) and days with planned visits.
DONE_DAYS = tuple(CAMPAIGN_START + dt.timedelta(days=i) for i in range(14))
PLANNED_DAYS = tuple(
    DEMO_TODAY + dt.timedelta(days=i) for i in range(1, (CAMPAIGN_TARGET - DEMO_TODAY).days + 1)
)

#: Rows of the demo (and of a manual setup) that ``--reset`` deletes, children first.
#: Regions, users and the audit trail are kept.
DEMO_TABLES = (
    StatusChange.__table__,
    VisitResult.__table__,
    Visit.__table__,
    Outreach.__table__,
    TeamMember.__table__,
    Team.__table__,
    Device.__table__,
    Campaign.__table__,
    Resident.__table__,
)

DEFAULT_CHUNK = 20000
#: When the residents were imported from SIAK (created_at of the demo's rows).
_IMPORTED_AT = dt.datetime(2016, 8, 1, 7, 30)
_DAY_START = 7 * 60  # minutes after midnight
_DAY_END = 20 * 60


class DemoDataExists(click.ClickException):
    """The database already holds campaign data; the demo refuses to mix with it."""


@dataclass
class DemoSummary:
    """What :func:`build_demo` wrote (all counts as stored)."""

    seed: int
    residents: int = 0
    wajib: int = 0
    baseline_outstanding: int = 0
    recorded_in_campaign: int = 0
    other_results: int = 0
    visits_done: int = 0
    visits_planned: int = 0
    visits_cancelled: int = 0
    devices: int = 0
    teams: int = 0
    outreach: int = 0
    campaign_id: int | None = None
    seconds: float = 0.0

    @property
    def outstanding_now(self) -> int:
        return self.baseline_outstanding - self.recorded_in_campaign

    def lines(self) -> list[str]:
        wajib = self.wajib or 1
        base = self.baseline_outstanding or 1
        return [
            f"Residents: {self.residents:,} ({self.wajib:,} wajib KTP on {DEMO_TODAY:%d-%m-%Y}).",
            f"Backlog before the campaign: {self.baseline_outstanding:,} "
            f"({100 * self.baseline_outstanding / wajib:.2f} % of wajib KTP).",
            f"Recorded in the campaign's first two weeks: {self.recorded_in_campaign:,} "
            f"({100 * self.recorded_in_campaign / base:.1f} % of the backlog); "
            f"still outstanding: {self.outstanding_now:,}.",
            f"Visits: {self.visits_done:,} done, {self.visits_planned:,} planned, "
            f"{self.visits_cancelled:,} cancelled; {self.other_results:,} other results "
            f"(not at home, away, refused, capture failed).",
            f"Kits: {self.devices}; teams: {self.teams}; outreach records: {self.outreach:,}.",
            f"Done in {self.seconds:.1f} s. To see the campaign as of its day 14, run the "
            f"portal with EKTP_ADMIN_REFERENCE_DATE={DEMO_TODAY.isoformat()}.",
        ]


# --------------------------------------------------------------------------- vocabulary
# Names as SIAK stores them (upper case). Javanese, Osing and Madurese names of three
# generations; combinations are drawn per person, so the same seed gives the same names.

_OLD_MALE = """PAIMAN SANEMO MISNADI SARKAWI MUKRI SAMSURI SAHUNI SUMITRO KASIMAN SUPARNO RASIMUN
TUKIRAN NGADIMAN SUKARDI MARSUDI KARTO SARMIN SAERAN JUMADI KUSNADI REBIN SADIKIN SAMIRAN
SUTRISNO WAGIMAN PONIMAN PARTO SENEN LEGIMAN KASMURI JUWARI SANUSI ASNAWI BAKRI DULAH HASAN
RAMELAN SUGIONO SUMADI SURIP TARMUJI TOYIB USMAN WAKIDI YASIN ZAENAL SATUWI MATRAIS ARJO
HOLIL MARZUKI""".split()
_OLD_FEMALE = """SANIMAH JUMA'ATI TEMU SUPINAH SARTI PAINEM TUMINI SUMARNI NGATINAH KASIYEM RUKMINI
SUWARNI SUKINAH PAINI MISTI SATINAH RASMI SUMIRAH TUKINEM MARSITI PONIYEM SRIATUN KAMISAH
MUNAWAROH HALIMAH MARYAM SALAMAH ROHIMAH SAUDAH KHOTIJAH JUWARIYAH ASIYAH SAINAH MISTIYAH
SUTINI WARSINI KARSINI JUMIATI SULASTRI LEGINI SAMINAH MUSRIFAH SATIYAH""".split()
_MID_MALE = """AGUS BAMBANG BUDI JOKO SLAMET SUGENG WAHYUDI HADI IMAM ABDUL RUDI EKO DWI TRI HERU
EDI HARI YUDI ANDI ARIF BAGUS DEDI DIDIK ERI FAUZI GATOT HENDRO IWAN JONI KHOLIL LUKMAN
MULYADI NUR PURNOMO RAHMAT SHOLEH TAUFIK UNTUNG WAWAN YUSUF ZAINURI HOSNAN SUHAIMI MUZAKKI
AHMAD SYAIFUL NANANG ANANG SIGIT TEGUH TOTOK PUJI SAMSUL ROFIK""".split()
_MID_FEMALE = """SITI SRI ENDANG LILIK NUR DEWI RATNA TUTIK WIWIK YULI RINI SUMIATI SUCIATI NANIK UMI
ANIK ERNA FATIMAH HARTINI IDA INDAH ISTIQOMAH KARTINI LINA MEGA NINIK ANI RETNO RINA ROHMAH
SANTI SULIS TITIK WAHYUNI YAYUK ZULAIKHA SUSANTI ENDAH MUJIATI HOSNIYAH FARIDAH MUSYAROFAH
LULUK EMI LIS""".split()
_MID_MALE_FAMILY = """SANTOSO WIBOWO HIDAYAT SUSANTO PURNOMO SETIAWAN PRASETYO HARIYANTO SUGIARTO
SUPRAPTO KURNIAWAN WAHYUDI GUNAWAN HARTONO EFENDI HASYIM ARIFIN MUSTOFA SYAFI'I MA'RUF ANWAR
ROHMAN HAKIM BASUKI SUBAGYO UTOMO CAHYONO NUGROHO PRIYANTO RAHMADI JUNAEDI MANSUR SHOLIKIN
FATHONI RIDWAN SUYITNO MAHMUD KUSUMA SAPUTRO ABIDIN""".split()
_MID_FEMALE_FAMILY = """RAHAYU LESTARI NINGSIH HANDAYANI SUSANTI WULANDARI YULIANI RAHMAWATI WAHYUNI
KUSUMAWATI PUSPITASARI HIDAYATI MASLIKHAH AMINAH ZUBAIDAH ROHMAWATI SURYANI FITRIANI ASTUTIK
SULISTYOWATI MARDIYAH NURHAYATI KHASANAH KHOLIFAH PURWATI INDRAWATI SETYANINGSIH WINARTI
MUAWANAH""".split()
_YOUNG_MALE = """DIMAS RIZKY FAJAR BAYU ADITYA MUHAMMAD AHMAD RAFI DAFA FARHAN ILHAM REZA YOGA GALIH
SATRIA BIMA ARYA ALVIN DAVA FIKRI RANGGA NAUFAL ALDI REHAN AKBAR HAFIZ ZAKI RIZAL ANDIKA
WAHYU DICKY FIRMAN ARDI BAGAS DANU EKA FERI GILANG HENDRA IRFAN""".split()
_YOUNG_MALE_FAMILY = """PRATAMA SAPUTRA RAMADHAN FIRMANSYAH KURNIAWAN MAULANA NUGRAHA HIDAYATULLAH
SETIAWAN PRASETYA WIJAYA SYAHPUTRA ADITAMA FADILLAH ALFARIZI HAKIM FEBRIANTO SANTOSO PERMANA
ARDIANSYAH RIZKI KUSUMA DARMAWAN HARYANTO""".split()
_YOUNG_FEMALE = """NABILA PUTRI DINDA SALSABILA AULIA NADIA ANISA DEWI AYU FITRI INDAH INTAN LARAS MAYA
NUR RINA SINTA TIARA WULAN ZAHRA AMELIA CITRA DEVI EKA FANI HANA JIHAN KIKI LIA MILA NOVI OKTA
RARA SEKAR TIKA VINA YULIA AISYAH ALYA AZZAHRA""".split()
_YOUNG_FEMALE_FAMILY = """RAHMAWATI SAFITRI LESTARI ANGGRAINI MAHARANI RAMADHANI WULANDARI PRATIWI
FEBRIYANTI AMALIA OKTAVIANI PUSPITA KURNIASARI RAHAYU HANDAYANI FADHILAH KHOIRUNNISA CAHYANI
MAWARNI NINGTYAS""".split()

_DUSUN = """KRAJAN KEDUNGREJO SUMBERAGUNG TEGALSARI SUKOREJO KARANGASEM SIDOMULYO WONOREJO KEBONREJO
PURWODADI SUMBERSARI SIDOREJO KAMPUNG_BARU KAMPUNG_ANYAR CANGKRING SUMBERWARU TEGALREJO
SUKOMULYO REJOAGUNG GUNUNGSARI BEJEN KOPEN LATENG PANCORAN MELIK JAMBESARI SAWAHAN MADURAN
RINGINAGUNG SUMBERJATI KALIREJO KARANGANYAR GUMUK BLIMBING""".split()
_DUSUN = [d.replace("_", " ") for d in _DUSUN]
_STREETS = [
    "AHMAD YANI", "BRAWIJAYA", "GAJAH MADA", "ADI SUCIPTO", "BASUKI RAHMAT", "DIPONEGORO",
    "JAKSA AGUNG SUPRAPTO", "KAPTEN PIERE TENDEAN", "LETKOL ISTIQLAH", "MH THAMRIN",
    "PB SUDIRMAN", "KEPITING", "IKAN TONGKOL", "IKAN WIJINONGKO", "KOLONEL SUGIONO",
    "SRITANJUNG", "HAYAM WURUK", "MENDUT", "BOROBUDUR", "KALILO", "SUKARNO HATTA",
    "YOS SUDARSO", "SLAMET RIYADI", "VETERAN", "DR. SUTOMO", "WAHID HASYIM", "KH AGUS SALIM",
    "BANTERANG", "SATELIT", "RINJANI",
]
_MOSQUES = [
    "AL-IKHLAS", "BAITURRAHMAN", "AL-HIDAYAH", "BAITUL MUTTAQIN", "NURUL HUDA", "AL-FALAH",
    "AT-TAQWA", "DARUSSALAM", "MIFTAHUL JANNAH", "AL-AMIN", "BAITUSSALAM", "NURUL IMAN",
    "AL-MUHAJIRIN", "SABILILLAH", "ROUDLOTUL JANNAH",
]
_OUTSIDE_BIRTH_PLACES = [
    "JEMBER", "SITUBONDO", "BONDOWOSO", "SURABAYA", "MALANG", "PROBOLINGGO", "SUMENEP",
    "BANGKALAN", "DENPASAR", "JEMBRANA", "LUMAJANG", "PASURUAN",
]
_MIGRANT_PLACES = {
    Sex.MALE: ["MALAYSIA (KUALA LUMPUR)", "MALAYSIA (JOHOR)", "BALI (DENPASAR)", "KAPAL PESIAR",
               "KOREA SELATAN", "BRUNEI DARUSSALAM", "KALIMANTAN TIMUR", "SURABAYA", "JAKARTA"],
    Sex.FEMALE: ["HONGKONG", "TAIWAN", "ARAB SAUDI", "SINGAPURA", "MALAYSIA (PENANG)",
                 "BALI (BADUNG)", "SURABAYA"],
}
_DISABILITY_NOTES = ["TUNA NETRA", "TUNA DAKSA", "TUNA RUNGU WICARA", "TUNA GRAHITA",
                     "LUMPUH KEDUA KAKI", "DISABILITAS MENTAL"]
_ILLNESS_NOTES = [
    "Sakit stroke, terbaring di rumah.", "Gagal ginjal, cuci darah dua kali seminggu.",
    "Sakit jantung, tidak kuat bepergian.", "Pasca operasi, belum bisa berjalan.",
    "Diabetes dengan luka di kaki.", "Kanker, dirawat keluarga di rumah.",
]
_PHONE_PREFIXES = ["0812", "0813", "0821", "0822", "0823", "0852", "0853", "0851", "0856",
                   "0857", "0858", "0877", "0878", "0838", "0831", "0895", "0896", "0897"]
_CANCEL_NOTES = ["Dibatalkan: hujan deras, balai desa banjir.", "Dibatalkan: listrik padam.",
                 "Dibatalkan: jaringan internet putus, alat tidak bisa sinkron."]

#: Approximate 2016 population of each Banyuwangi kecamatan (thousands), for a realistic
#: spread of residents; a kecamatan not listed weighs 8 per desa.
_KECAMATAN_WEIGHT = {
    "35.10.01": 50, "35.10.02": 60, "35.10.03": 66, "35.10.04": 62, "35.10.05": 130,
    "35.10.06": 72, "35.10.07": 60, "35.10.08": 90, "35.10.09": 85, "35.10.10": 72,
    "35.10.11": 62, "35.10.12": 47, "35.10.13": 95, "35.10.14": 70, "35.10.15": 35,
    "35.10.16": 115, "35.10.17": 30, "35.10.18": 75, "35.10.19": 52, "35.10.20": 73,
    "35.10.21": 80, "35.10.22": 45, "35.10.23": 46, "35.10.24": 28, "35.10.25": 47,
}
#: Kecamatan where many leave to work abroad or on ships (more of the backlog is away).
_MIGRANT_KECAMATAN = {"35.10.01", "35.10.04", "35.10.10", "35.10.11", "35.10.18", "35.10.19",
                      "35.10.21", "35.10.24"}


# --------------------------------------------------------------------------- helpers


def _minutes(t: int) -> dt.time:
    return dt.time(t // 60, t % 60)


def _round_up(minutes: int, step: int = 15) -> int:
    return -(-minutes // step) * step


def _ri(rng: random.Random, low: int, high: int) -> int:
    """``rng.randint(low, high)``, three times faster (this runs millions of times)."""
    return low + int(rng.random() * (high - low + 1))


def _pick(rng: random.Random, seq: Any) -> Any:
    """``rng.choice(seq)``, faster."""
    return seq[int(rng.random() * len(seq))]


def _random_date(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return dt.date.fromordinal(_ri(rng, first.toordinal(), last.toordinal()))


def _date_since(rng: random.Random, first: dt.date, last: dt.date, since: dt.date) -> dt.date:
    """A day in [first, last], but not before ``since`` (when that leaves any)."""
    return _random_date(rng, min(max(first, since), last), last)


def _wajib_since(birth: dt.date, marital: MaritalStatus) -> dt.date:
    """The day someone became wajib KTP: the 17th birthday (1 March for 29 February);
    for those married younger, a year before DEMO_TODAY (the wedding is not on file)."""
    try:
        birthday = birth.replace(year=birth.year + WAJIB_KTP_AGE)
    except ValueError:
        birthday = dt.date(birth.year + WAJIB_KTP_AGE, 3, 1)
    if birthday > DEMO_TODAY and marital != MaritalStatus.SINGLE:
        return DEMO_TODAY - dt.timedelta(days=365)
    return birthday


def _birth_range(age: int) -> tuple[int, int]:
    """Ordinals of the first and last birth date of someone exactly ``age`` on DEMO_TODAY."""
    last = DEMO_TODAY.replace(year=DEMO_TODAY.year - age)
    first = DEMO_TODAY.replace(year=DEMO_TODAY.year - age - 1) + dt.timedelta(days=1)
    return first.toordinal(), last.toordinal()


_BIRTH_RANGES = [_birth_range(age) for age in range(0, 110)]


def _birth_date(rng: random.Random, age: int) -> dt.date:
    return dt.date.fromordinal(_ri(rng, *_BIRTH_RANGES[age]))


def _title(name: str) -> str:
    """SIAK's upper case to a name as written in a letter (keeps "Juma'ati")."""
    return string.capwords(name.lower())


def _phone(rng: random.Random) -> str:
    digits = 7 + (rng.random() < 0.5)
    return f"{_pick(rng, _PHONE_PREFIXES)}{int(rng.random() * 10 ** digits):0{digits}d}"


def _name(rng: random.Random, sex: Sex, birth_year: int) -> str:
    male = sex == Sex.MALE
    if birth_year < 1960:
        given = _OLD_MALE if male else _OLD_FEMALE
        name = _pick(rng, given)
        if rng.random() < 0.25:
            name += " " + _pick(rng, given)
        if rng.random() < 0.05:
            name = ("H. " if male else "HJ. ") + name
        return name
    if birth_year < 1990:
        given, family = (_MID_MALE, _MID_MALE_FAMILY) if male else (_MID_FEMALE, _MID_FEMALE_FAMILY)
        r = rng.random()
        if r < 0.1:
            return _pick(rng, given)
        if r < 0.2:
            return f"{_pick(rng, given)} {_pick(rng, given)} {_pick(rng, family)}"
        prefix = "MOH. " if male and rng.random() < 0.08 else ""
        return f"{prefix}{_pick(rng, given)} {_pick(rng, family)}"
    given, family = (_YOUNG_MALE, _YOUNG_MALE_FAMILY) if male else (_YOUNG_FEMALE, _YOUNG_FEMALE_FAMILY)
    r = rng.random()
    if r < 0.6:
        return f"{_pick(rng, given)} {_pick(rng, family)}"
    if r < 0.9:
        return f"{_pick(rng, given)} {_pick(rng, given)} {_pick(rng, family)}"
    return f"{_pick(rng, given)} {_pick(rng, given)}"


def _household(rng: random.Random) -> list[tuple[str, Sex, int, MaritalStatus]]:
    """Members of one household (family card, KK): role, sex, age, marital status.

    Shapes and ages are tuned so that about 30 % of everyone is under 17 and about
    12 % is 60 or older, like Banyuwangi in 2016.
    """
    S, M = Sex, MaritalStatus
    members: list[tuple[str, Sex, int, MaritalStatus]] = []
    kind = rng.random()
    if kind < 0.08:  # one person: a young worker or a widow(er)
        if rng.random() < 0.4:
            members.append(("head", _pick(rng, (S.MALE, S.FEMALE)), _ri(rng, 18, 35), M.SINGLE))
        else:
            members.append(("head", S.FEMALE if rng.random() < 0.7 else S.MALE, _ri(rng, 60, 92), M.WIDOWED))
        return members
    if kind < 0.18:  # a widowed or divorced mother with her children
        mother = 28 + int(55 * rng.betavariate(1.6, 2.2))
        members.append(("head", S.FEMALE, mother, M.WIDOWED if rng.random() < 0.7 else M.DIVORCED))
    else:  # a couple (and their children)
        head = 20 + int(62 * rng.betavariate(1.4, 2.4))
        wife = max(18, head - _ri(rng, -2, 8))
        if head < 24 and rng.random() < 0.08:
            wife = 16  # married young: wajib KTP although under 17
        members.append(("head", S.MALE, head, M.MARRIED))
        members.append(("wife", S.FEMALE, wife, M.MARRIED))
        mother = wife
        if kind > 0.78 and head < 60:  # a widowed parent lives with them
            members.append(("parent", S.FEMALE if rng.random() < 0.75 else S.MALE,
                            min(97, head + _ri(rng, 22, 34)), M.WIDOWED))
    children = rng.choices((0, 1, 2, 3, 4, 5), weights=(3, 12, 29, 29, 17, 10))[0]
    for _ in range(children):
        age = mother - _ri(rng, 19, 38)
        if age < 0:
            continue
        if age > 23 and rng.random() < 0.8:
            continue  # has a household of its own
        marital = M.DIVORCED if age >= 23 and rng.random() < 0.1 else M.SINGLE
        members.append(("child", _pick(rng, (S.MALE, S.FEMALE)), age, marital))
    return members


@dataclass
class _DesaPlan:
    code: str
    name: str
    is_kelurahan: bool
    residents: int
    outstanding_factor: float
    recording_factor: float
    rw_rt: list[tuple[str, str, str]] = field(default_factory=list)  # (place, rw, rt)


@dataclass
class _Backlog:
    """One resident outstanding on DEMO_TODAY before the campaign (kept per kecamatan)."""

    resident_id: int
    desa_code: str
    rw: str
    rt: str
    address: str
    birth_date: dt.date
    marital: MaritalStatus
    status: KtpStatus
    category: str  # newly17 | lansia | ill | disabled | away | other
    home: bool  # needs a home visit (lansia, seriously ill, disabled)


@dataclass
class _Group:
    kind: VisitKind
    desa_code: str | None
    members: list[tuple[_Backlog, ResultKind]]
    host: _Backlog | None = None
    dinas_day: dt.date | None = None
    dinas_team: int = 0


class _Ids:
    """Next primary keys, computed here so bulk inserts need no RETURNING."""

    def __init__(self, conn: sa.Connection, tables: list[sa.Table]) -> None:
        self._next = {
            t.name: (conn.execute(sa.select(sa.func.max(t.c.id))).scalar() or 0) + 1 for t in tables
        }

    def take(self, table: sa.Table) -> int:
        value = self._next[table.name]
        self._next[table.name] = value + 1
        return value


class _Schedule:
    """Device bookings: no kit in two places at once (checked with the domain rule)."""

    def __init__(self) -> None:
        self.cursor: dict[tuple[str, dt.date], int] = {}
        self.bookings: dict[tuple[str, dt.date], list[Booking]] = {}

    def place(self, serial: str, day: dt.date, duration: int, earliest: int, state: VisitState,
              gap: int = 15) -> tuple[int, int] | None:
        """Book ``duration`` minutes on ``serial`` that day, or None when the day is full."""
        key = (serial, day)
        cursor = self.cursor.get(key)
        start = _round_up(max(earliest, _DAY_START if cursor is None else cursor + gap))
        end = start + duration
        if end > _DAY_END:
            return None
        booking = Booking(None, serial, day, _minutes(start), _minutes(end), state)
        problems = check_visit_time(day, booking.start, booking.end) + check_device_booking(
            DeviceCondition.WORKING, booking, self.bookings.get(key, ())
        )
        if problems:  # a bug in the demo, not in the data: stop loudly
            raise RuntimeError("; ".join(str(p) for p in problems))
        self.bookings.setdefault(key, []).append(booking)
        self.cursor[key] = end
        return start, end


# --------------------------------------------------------------------------- public API


def existing_data(session_or_conn: Any) -> dict[str, int]:
    """Rows already in the tables the demo fills (empty dict: the database is free)."""
    found = {}
    for label, table in (("residents", Resident.__table__), ("kits", Device.__table__),
                         ("teams", Team.__table__), ("visits", Visit.__table__),
                         ("campaigns", Campaign.__table__), ("outreach records", Outreach.__table__)):
        count = session_or_conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()
        if count:
            found[label] = count
    return found


def delete_demo_data(conn: Any) -> None:
    """Delete residents, visits, kits, teams, campaigns and outreach (keeps regions,
    users and the audit trail)."""
    resident = Resident.__table__
    conn.execute(sa.update(resident).where(resident.c.recorded_visit_id.is_not(None))
                 .values(recorded_visit_id=None))
    for table in DEMO_TABLES:
        conn.execute(table.delete())


def build_demo(
    db: Any,
    *,
    residents: int = 20000,
    seed: int = 2016,
    echo: Callable[[str], Any] | None = None,
    reset: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
) -> DemoSummary:
    """Build the Banyuwangi demo campaign in ``db`` (a Flask-SQLAlchemy object).

    Creates missing ektp_ tables and loads the 35.10 regions first (both idempotent).
    Refuses with :class:`DemoDataExists` when residents, kits, teams, visits, campaigns
    or outreach records exist, unless ``reset`` is true: then those are deleted first
    (regions, users and the audit trail are kept). ``echo`` receives progress lines;
    when it is :func:`click.echo` a progress bar is shown. Needs an app context.
    """
    if residents < 1:
        raise ValueError("residents must be at least 1")
    started = _time.monotonic()
    say = echo or (lambda _text: None)
    _create_tables(db)
    engine = db.engine
    summary = DemoSummary(seed=seed)
    with engine.connect() as conn:
        restore = _fast_sqlite(conn)
        try:
            with conn.begin():
                found = existing_data(conn)
                if found and not reset:
                    listed = ", ".join(f"{name}: {n:,}" for name, n in found.items())
                    raise DemoDataExists(
                        f"The database already holds campaign data ({listed}); the demo only fills an "
                        "empty one. Run `flask ektp demo --reset` to delete that data first "
                        "(regions, users and the audit trail are kept)."
                    )
                if found:
                    say("Deleting existing campaign data ...")
                    delete_demo_data(conn)
                _Builder(conn, residents, seed, say, echo is click.echo, chunk_size, summary).run()
        finally:
            restore()
    summary.seconds = _time.monotonic() - started
    for line in summary.lines():
        say(line)
    return summary


def _create_tables(db: Any) -> None:
    tables = [t for t in db.metadata.sorted_tables if t.name.startswith("ektp_")] \
        if db.metadata is not metadata else None
    db.metadata.create_all(db.engine, tables=tables)


def _fast_sqlite(conn: sa.Connection) -> Callable[[], None]:
    """SQLite only: skip fsync and use a bigger page cache for the load; restored after."""
    if conn.dialect.name != "sqlite":
        return lambda: None
    synchronous = conn.exec_driver_sql("PRAGMA synchronous").scalar()
    cache_size = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql("PRAGMA synchronous = OFF")
    conn.exec_driver_sql("PRAGMA cache_size = -65536")  # 64 MiB
    conn.commit()

    def restore() -> None:
        conn.rollback()
        conn.exec_driver_sql(f"PRAGMA synchronous = {int(synchronous)}")
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(cache_size)}")
        conn.commit()

    return restore


# --------------------------------------------------------------------------- the builder


class _Builder:
    def __init__(self, conn: sa.Connection, residents: int, seed: int, say: Callable[[str], Any],
                 progress_bar: bool, chunk_size: int, summary: DemoSummary) -> None:
        self.conn = conn
        self.total = residents
        self.seed = seed
        self.say = say
        self.progress_bar = progress_bar
        self.chunk_size = max(1000, chunk_size)
        self.summary = summary
        self.schedule = _Schedule()
        self.buffers: dict[str, list[dict[str, Any]]] = {}
        # Error diffusion keeps the whole run's shares exact while desa and kecamatan vary.
        self.expected_backlog = 0.0
        self.backlog_so_far = 0
        self.recorded_so_far = 0

    def rng(self, *parts: Any) -> random.Random:
        return random.Random(":".join(["ektp-demo", str(self.seed), *map(str, parts)]))

    # ------------------------------------------------------------------ main flow
    def run(self) -> None:
        from sqlalchemy.orm import Session

        from .regions import load_regions

        with Session(bind=self.conn) as session:  # joins the load's transaction
            load = load_regions(session, DEMO_REGENCY)
            session.flush()
        self.say(f"Regions: {load.regency_name} ({load.regency_code}), {load.kecamatan} kecamatan, "
                 f"{load.desa + load.kelurahan} desa/kelurahan.")
        self.kecamatan = list(self.conn.execute(
            sa.select(Kecamatan.code, Kecamatan.name)
            .where(Kecamatan.regency_code == DEMO_REGENCY).order_by(Kecamatan.code)
        ))
        self.kec_names = {code: name for code, name in self.kecamatan}
        self.kec_index = {code: i for i, (code, _n) in enumerate(self.kecamatan)}
        desa_rows = list(self.conn.execute(
            sa.select(Desa.code, Desa.name, Desa.is_kelurahan, Desa.kecamatan_code)
            .where(Desa.kecamatan_code.in_(list(self.kec_names))).order_by(Desa.code)
        ))
        self.ids = _Ids(self.conn, list(DEMO_TABLES))
        self.plans = self._plan_desa(desa_rows)
        self.plans_by_code = {p.code: p for plans in self.plans.values() for p in plans}
        self.office_sessions: dict[tuple[str, dt.date], _Group] = {}
        self._setup_campaign()
        self._setup_kits_and_teams()

        with self._progress() as advance:
            for kec_code, kec_name in self.kecamatan:
                self._build_kecamatan(kec_code, kec_name, advance)
                if not self.progress_bar:
                    self.say(f"Kecamatan {kec_name}: {self.summary.residents:,} of {self.total:,} residents.")
        self._flush_all()
        self._finish()

    @contextlib.contextmanager
    def _progress(self) -> Iterator[Callable[[int], Any]]:
        """A progress bar on a terminal (echo is click.echo), else one line per kecamatan."""
        if self.progress_bar:
            with click.progressbar(length=self.total, label="Residents", show_pos=True) as bar:
                yield bar.update
            return
        yield lambda _n: None

    # ------------------------------------------------------------------ planning
    def _plan_desa(self, desa_rows: list[Any]) -> dict[str, list[_DesaPlan]]:
        """How many residents live in each desa (exactly ``total`` in all)."""
        rng = self.rng("plan")
        by_kec: dict[str, list[Any]] = {}
        for row in desa_rows:
            by_kec.setdefault(row.kecamatan_code, []).append(row)
        weights: list[tuple[Any, float]] = []
        for kec_code, rows in by_kec.items():
            kec_weight = _KECAMATAN_WEIGHT.get(kec_code, 8 * len(rows))
            local = [rng.uniform(0.5, 1.6) * (1.4 if r.is_kelurahan else 1.0) for r in rows]
            for row, w in zip(rows, local):
                weights.append((row, kec_weight * w / sum(local)))
        total_weight = sum(w for _r, w in weights)
        exact = [self.total * w / total_weight for _r, w in weights]
        counts = [int(x) for x in exact]
        by_remainder = sorted(range(len(exact)), key=lambda i: (counts[i] - exact[i], i))
        for i in by_remainder[: self.total - sum(counts)]:
            counts[i] += 1
        plans: dict[str, list[_DesaPlan]] = {}
        raw_factor = []
        for (row, _w), n in zip(weights, counts):
            factor = rng.uniform(0.6, 1.5)
            if row.kecamatan_code in _MIGRANT_KECAMATAN:
                factor *= 1.25
            if row.is_kelurahan:
                factor *= 0.7
            raw_factor.append(factor)
            plan = _DesaPlan(row.code, row.name, row.is_kelurahan, n, factor, rng.uniform(0.6, 1.4))
            plan.rw_rt = self._neighbourhoods(rng, row.is_kelurahan, n)
            plans.setdefault(row.kecamatan_code, []).append(plan)
        # Normalise so that the factors average 1 over the population.
        scale = sum(counts) / (sum(f * n for f, n in zip(raw_factor, counts)) or 1)
        for kec_plans in plans.values():
            for plan in kec_plans:
                plan.outstanding_factor *= scale
        return plans

    @staticmethod
    def _neighbourhoods(rng: random.Random, kelurahan: bool, residents: int) -> list[tuple[str, str, str]]:
        """Dusun (or street) with RW and RT numbers, numbered across the desa as in Java."""
        rts = max(4, min(60, residents // 200 + 4))
        places = rng.sample(_STREETS if kelurahan else _DUSUN[1:], k=min(5, max(2, rts // 8)))
        if not kelurahan:
            places[0] = "KRAJAN"
        out = []
        rw = rt = 0
        per_rw = max(2, rts // (2 * len(places)) or 2)
        while rt < rts:
            place = places[rw % len(places)]
            rw += 1
            for _ in range(per_rw):
                rt += 1
                out.append((place, f"{rw:03d}", f"{rt:03d}"))
        return out

    def _setup_campaign(self) -> None:
        table = Campaign.__table__
        self.campaign_id = self.ids.take(table)
        self.summary.campaign_id = self.campaign_id
        self.conn.execute(sa.insert(table), [{
            "id": self.campaign_id,
            "name": "Jemput Bola Perekaman KTP-el Banyuwangi 2016",
            "start_date": CAMPAIGN_START,
            "target_date": CAMPAIGN_TARGET,
            "scope_code": DEMO_REGENCY,
            "baseline_outstanding": None,
            "notes": ("Target: semua wajib KTP yang belum rekam (56.014 dari 1.288.630) direkam "
                      "dalam sebulan. Dua tim Dinas berkeliling kecamatan; lansia, orang sakit dan "
                      "penyandang disabilitas direkam di rumah."),
            "version": 1, "created_at": dt.datetime(2016, 9, 5, 9, 0), "updated_at": dt.datetime(2016, 9, 5, 9, 0),
        }])

    def _setup_kits_and_teams(self) -> None:
        rng = self.rng("kits")
        devices, teams, members = [], [], []
        stamp = {"version": 1, "created_at": dt.datetime(2016, 9, 1, 8, 0), "updated_at": dt.datetime(2016, 9, 1, 8, 0)}
        self.kits: dict[str, dict[str, tuple[int, str]]] = {}
        self.kec_team: dict[str, tuple[int, str]] = {}
        self.repair_from: dict[str, dt.date] = {}
        broken = _pick(rng, self.kecamatan)[0]
        for kec_code, kec_name in self.kecamatan:
            number = kec_code[-2:]
            office = f"Kantor Kecamatan {kec_name}"
            self.kits[kec_code] = {}
            for role, suffix in ((DeviceRole.STANDBY, "STB"), (DeviceRole.MOBILE, "MOB")):
                device_id = self.ids.take(Device.__table__)
                serial = f"KTPEL-{kec_code.replace('.', '')}-{suffix}"
                condition, notes = DeviceCondition.WORKING, None
                if role == DeviceRole.STANDBY and kec_code == broken:
                    condition = DeviceCondition.IN_REPAIR
                    notes = "Pemindai sidik jari rusak sejak 20-09-2016; dikirim ke Dinas untuk diperbaiki."
                    self.repair_from[serial] = dt.date(2016, 9, 20)
                devices.append({
                    "id": device_id, "serial_number": serial, "owner_kind": DeviceOwnerKind.KECAMATAN.value,
                    "owner_kecamatan_code": kec_code, "role": role.value, "condition": condition.value,
                    "location": office if role == DeviceRole.STANDBY else f"{office} (dibawa tim keliling)",
                    "notes": notes, **stamp,
                })
                self.kits[kec_code][role.value] = (device_id, serial)
            team_id = self.ids.take(Team.__table__)
            team_name = f"Tim Kecamatan {kec_name}"
            teams.append({"id": team_id, "name": team_name, "kind": TeamKind.KECAMATAN.value,
                          "kecamatan_code": kec_code, "notes": None, **stamp})
            self.kec_team[kec_code] = (team_id, team_name)
            for position in ("Kasi Pemerintahan", "Operator SIAK", "Operator perekaman", "Staf kecamatan"):
                members.append(self._member(rng, team_id, position))
        self.dinas: list[tuple[int, str, int, str]] = []  # team id, name, device id, serial
        for n in (1, 2):
            device_id = self.ids.take(Device.__table__)
            serial = f"KTPEL-3510-DINAS-{n}"
            devices.append({
                "id": device_id, "serial_number": serial, "owner_kind": DeviceOwnerKind.DINAS.value,
                "owner_kecamatan_code": None, "role": DeviceRole.MOBILE.value,
                "condition": DeviceCondition.WORKING.value,
                "location": f"Dibawa Tim Dinas {n} (jemput bola)", "notes": None, **stamp,
            })
            team_id = self.ids.take(Team.__table__)
            name = f"Tim Dinas {n} Jemput Bola"
            teams.append({"id": team_id, "name": name, "kind": TeamKind.DINAS.value,
                          "kecamatan_code": None, "notes": "Dispendukcapil Kabupaten Banyuwangi", **stamp})
            for position in ("Ketua tim (Dispendukcapil)", "Operator perekaman", "Operator perekaman",
                             "Pengemudi"):
                members.append(self._member(rng, team_id, position))
            self.dinas.append((team_id, name, device_id, serial))
        # Dinas rotation: 2 teams x 30 days, visiting the kecamatan in a shuffled order.
        order = [code for code, _n in self.kecamatan]
        rng.shuffle(order)
        self.dinas_days: dict[str, list[tuple[dt.date, int]]] = {}
        slot = 0
        for day in DONE_DAYS + PLANNED_DAYS:
            for team_index in range(len(self.dinas)):
                self.dinas_days.setdefault(order[slot % len(order)], []).append((day, team_index))
                slot += 1
        self.conn.execute(sa.insert(Device.__table__), devices)
        self.conn.execute(sa.insert(Team.__table__), teams)
        self.conn.execute(sa.insert(TeamMember.__table__), members)
        self.summary.devices, self.summary.teams = len(devices), len(teams)

    def _member(self, rng: random.Random, team_id: int, position: str) -> dict[str, Any]:
        sex = Sex.MALE if rng.random() < 0.6 else Sex.FEMALE
        return {"id": self.ids.take(TeamMember.__table__), "team_id": team_id,
                "name": _title(_name(rng, sex, _ri(rng, 1965, 1992))), "position": position,
                "phone": _phone(rng)}

    # ------------------------------------------------------------------ residents
    def _build_kecamatan(self, kec_code: str, kec_name: str, advance: Callable[[int], Any]) -> None:
        rng = self.rng("kecamatan", kec_code)
        self.nik_serials: dict[str, int] = {}
        self.kk_serials: dict[str, int] = {}
        backlog: list[_Backlog] = []
        for plan in self.plans.get(kec_code, []):
            people = self._desa_residents(rng, kec_code, kec_name, plan)
            backlog.extend(self._choose_backlog(rng, plan, people))
            for row, _meta in people:
                self._buffer(Resident.__table__, row)
            if len(self.buffers.get(Resident.__tablename__, ())) >= self.chunk_size:
                self._flush_all()
            advance(len(people))
        self._flush_all()  # visits below refer to these residents
        self._visits_for(rng, kec_code, kec_name, backlog)
        self._outreach_for(rng, kec_code, kec_name)
        self._flush_all()

    def _desa_residents(self, rng: random.Random, kec_code: str, kec_name: str,
                        plan: _DesaPlan) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        people: list[tuple[dict[str, Any], dict[str, Any]]] = []
        while len(people) < plan.residents:
            place, rw, rt = _pick(rng, plan.rw_rt)
            if plan.is_kelurahan:
                address = f"JL. {place} NO. {_ri(rng, 1, 180)}"
            else:
                address = f"DUSUN {place}"
            kk = self._kk_number(rng, kec_code)
            members = _household(rng)
            room = plan.residents - len(people)
            if len(members) > room:  # the desa is full: part of this family (any part)
                members = rng.sample(members, room)
            for role, sex, age, marital in members:
                people.append(self._person(rng, kec_code, kec_name, plan, kk, address, rw, rt,
                                           role, sex, age, marital))
        return people

    def _kk_number(self, rng: random.Random, kec_code: str) -> str:
        issued = _random_date(rng, dt.date(2005, 1, 1), dt.date(2016, 8, 31))
        prefix = kec_code.replace(".", "") + issued.strftime("%d%m%y")
        serial = self.kk_serials.get(prefix, 0) + 1
        self.kk_serials[prefix] = serial
        return f"{prefix}{serial:04d}"

    def _nik(self, rng: random.Random, kec_code: str, issue_kec: str, birth: dt.date, sex: Sex) -> str:
        """Region of first issue + DDMMYY (day + 40 for women) + serial, unique.

        Serials are counted per prefix while one kecamatan is generated: residents whose
        NIK was issued where they live get 0001-5000; those whose NIK comes from another
        kecamatan get 5001-9999 in a lane of their own kecamatan, so no two kecamatan
        can hand out the same NIK.
        """
        day = birth.day + (40 if sex == Sex.FEMALE else 0)
        prefix = f"{issue_kec.replace('.', '')}{day:02d}{birth:%m%y}"
        if issue_kec == kec_code:
            serial = self.nik_serials.get(prefix, 0) + 1
            if serial > 5000:
                raise RuntimeError(f"too many NIKs with prefix {prefix}")
            self.nik_serials[prefix] = serial
            return f"{prefix}{serial:04d}"
        key = "x" + prefix
        lane = self.nik_serials.get(key, 0)
        self.nik_serials[key] = lane + 1
        serial = 5001 + lane * len(self.kecamatan) + self.kec_index[kec_code]
        if serial > 9999:
            raise RuntimeError(f"too many NIKs with prefix {prefix}")
        return f"{prefix}{serial:04d}"

    def _person(self, rng: random.Random, kec_code: str, kec_name: str, plan: _DesaPlan, kk: str,
                address: str, rw: str, rt: str, role: str, sex: Sex, age: int,
                marital: MaritalStatus) -> tuple[dict[str, Any], dict[str, Any]]:
        birth = _birth_date(rng, age)
        moved = {"head": 0.08, "wife": 0.25, "parent": 0.15}.get(role, 0.03)
        issue_kec = kec_code
        if rng.random() < moved:
            issue_kec = _pick(rng, self.kecamatan)[0]
        roll = rng.random()
        if roll < 0.05 and age >= 17:
            birth_place = _pick(rng, _OUTSIDE_BIRTH_PLACES)
        elif issue_kec != kec_code or roll < 0.35:
            birth_place = "BANYUWANGI" if roll < 0.2 else self.kec_names[issue_kec].upper()
        else:
            birth_place = kec_name.upper()
        name = _name(rng, sex, birth.year)
        phone = None
        if age >= 17 and rng.random() < (0.65 if role == "head" else 0.3):
            phone = _phone(rng)
        row = {
            "id": self.ids.take(Resident.__table__),
            "nik": self._nik(rng, kec_code, issue_kec, birth, sex),
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
            "phone": phone,
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
            "created_at": _IMPORTED_AT,
            "updated_at": _IMPORTED_AT,
        }
        # The birth date makes ``age`` exact on DEMO_TODAY, so this is is_wajib_ktp(...) then.
        meta = {"age": age, "marital": marital, "sex": sex,
                "wajib": age >= WAJIB_KTP_AGE or marital != MaritalStatus.SINGLE}
        return row, meta

    def _choose_backlog(self, rng: random.Random, plan: _DesaPlan,
                        people: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[_Backlog]:
        """Decide each resident's KTP-el status; return the desa's backlog (outstanding)."""
        wajib = [(row, meta) for row, meta in people if meta["wajib"]]
        self.summary.residents += len(people)
        self.summary.wajib += len(wajib)
        self.expected_backlog += len(wajib) * OUTSTANDING_SHARE * plan.outstanding_factor
        quota = max(0, min(len(wajib), round(self.expected_backlog) - self.backlog_so_far))
        self.backlog_so_far += quota

        def propensity(meta: dict[str, Any]) -> float:
            age = meta["age"]
            if age == WAJIB_KTP_AGE:
                return 20.0  # newly 17
            if age < WAJIB_KTP_AGE:
                return 4.0  # married young
            if age >= 60:
                return 2.0 + (1.5 if age >= 75 else 0.0)
            if 20 <= age <= 45:
                return 1.1
            return 0.5

        # Weighted sampling without replacement (Efraimidis-Spirakis): who is outstanding.
        # Whoever turned 17 after the campaign began cannot have been recorded before it.
        keyed = sorted(
            ((2.0 if _wajib_since(row["birth_date"], meta["marital"]) >= CAMPAIGN_START
              else rng.random() ** (1.0 / propensity(meta)), i)
             for i, (row, meta) in enumerate(wajib)),
            reverse=True,
        )
        forced = sum(key > 1.0 for key, _i in keyed)
        if forced > quota:
            self.backlog_so_far += forced - quota
            quota = forced
        chosen = {i for _key, i in keyed[:quota]}
        backlog = []
        for i, (row, meta) in enumerate(wajib):
            if i in chosen:
                backlog.append(self._outstanding(rng, row, meta))
            else:
                self._through_pipeline(rng, row, meta)
        return backlog

    def _outstanding(self, rng: random.Random, row: dict[str, Any], meta: dict[str, Any]) -> _Backlog:
        age, sex = meta["age"], meta["sex"]
        category = "other"
        if age == WAJIB_KTP_AGE:
            category = "newly17"
        elif age >= 60:
            category = "lansia"
            if rng.random() < 0.25:
                self._ill(rng, row)
            elif rng.random() < 0.15:
                self._disabled(rng, row)
        elif 20 <= age <= 50 and rng.random() < (0.6 if row["kecamatan_code"] in _MIGRANT_KECAMATAN else 0.5):
            category = "away"
            row["away"] = True
            row["away_location"] = _pick(rng, _MIGRANT_PLACES[sex])
            row["away_until"] = (None if rng.random() < 0.3
                                 else _random_date(rng, dt.date(2016, 10, 1), dt.date(2018, 12, 31)))
        else:
            roll = rng.random()
            if roll < 0.18:
                category = "ill"
                self._ill(rng, row)
            elif roll < 0.4:
                category = "disabled"
                self._disabled(rng, row)
        status = KtpStatus.NOT_RECORDED
        if category in ("other", "lansia", "disabled") and rng.random() < 0.12:
            status = KtpStatus.ENROL_FAILED  # recorded once; the capture must be redone
            row["ktp_status"] = status.value
            row["ktp_status_changed_on"] = _date_since(rng, dt.date(2013, 1, 1), dt.date(2016, 8, 31),
                                                       _wajib_since(row["birth_date"], meta["marital"]))
            row["notes"] = "EFAC: sidik jari tidak terbaca di pusat, perlu rekam ulang."
        home = category in ("lansia", "ill", "disabled") or row["seriously_ill"] or row["disabled"]
        return _Backlog(row["id"], row["desa_code"], row["rw"], row["rt"], row["address"],
                        row["birth_date"], meta["marital"], status, category, home)

    @staticmethod
    def _ill(rng: random.Random, row: dict[str, Any]) -> None:
        row["seriously_ill"] = True
        row["notes"] = _pick(rng, _ILLNESS_NOTES)

    @staticmethod
    def _disabled(rng: random.Random, row: dict[str, Any]) -> None:
        row["disabled"] = True
        row["disability_note"] = _pick(rng, _DISABILITY_NOTES)

    def _through_pipeline(self, rng: random.Random, row: dict[str, Any], meta: dict[str, Any]) -> None:
        """A wajib resident recorded before the campaign, somewhere along the pipeline."""
        S = KtpStatus
        age = meta["age"]
        if age <= 18:  # recorded recently: many wait for blanks (PRR), 2016's shortage
            status = rng.choices((S.RECORDED, S.SENT, S.PRINT_READY, S.PRINTED, S.HANDED_OVER),
                                 weights=(20, 25, 35, 10, 10))[0]
        else:
            status = rng.choices((S.RECORDED, S.SENT, S.PRINT_READY, S.PRINTED, S.HANDED_OVER, S.DUPLICATE),
                                 weights=(1.5, 2, 3.5, 2, 90, 1))[0]
        first = dt.date(2012, 1, 2) if status == S.HANDED_OVER else dt.date(2016, 1, 4)
        row["ktp_status"] = status.value
        row["ktp_status_changed_on"] = _date_since(
            rng, first, CAMPAIGN_START - dt.timedelta(days=1), _wajib_since(row["birth_date"], meta["marital"])
        )
        if status == S.DUPLICATE:
            row["notes"] = "DUP: perekaman ganda, menunggu permohonan hapus data ke pusat."
        if 20 <= age <= 45 and rng.random() < 0.03:
            row["away"] = True
            row["away_location"] = _pick(rng, _MIGRANT_PLACES[meta["sex"]])
        elif rng.random() < (0.02 if age >= 60 else 0.008):
            self._disabled(rng, row)
        elif rng.random() < (0.015 if age >= 60 else 0.003):
            self._ill(rng, row)

    # ------------------------------------------------------------------ visits
    def _eligible_days(self, member: _Backlog) -> list[dt.date]:
        return [d for d in DONE_DAYS if is_wajib_ktp(member.birth_date, member.marital, d)]

    def _visits_for(self, rng: random.Random, kec_code: str, kec_name: str, backlog: list[_Backlog]) -> None:
        """Two weeks of visit logs recording this kecamatan's share of the backlog."""
        plans = {p.code: p for p in self.plans.get(kec_code, [])}
        baseline_cum = self.summary.baseline_outstanding + len(backlog)
        quota = round(RECORDED_SHARE * baseline_cum) - self.recorded_so_far
        weight = {"away": 0.15, "lansia": 1.2, "ill": 1.0, "disabled": 1.2, "newly17": 1.4, "other": 1.0}
        candidates = [b for b in backlog if self._eligible_days(b)]
        keyed = sorted(
            ((rng.random() ** (1.0 / (weight[b.category] * plans[b.desa_code].recording_factor)), b.resident_id, b)
             for b in candidates),
            key=lambda k: (k[0], k[1]), reverse=True,
        )
        recorded = [b for _k, _id, b in keyed[: max(0, min(quota, len(keyed)))]]
        recorded_ids = {b.resident_id for b in recorded}
        attempts: list[tuple[_Backlog, ResultKind]] = [(b, ResultKind.RECORDED) for b in recorded]
        for b in backlog:
            if b.resident_id in recorded_ids or not self._eligible_days(b):
                continue
            roll = rng.random()
            if b.category == "away" and roll < 0.35:
                attempts.append((b, ResultKind.AWAY))
            elif b.home and roll < 0.12:
                attempts.append((b, ResultKind.NOT_HOME))
            elif b.home and roll < 0.16:
                attempts.append((b, ResultKind.CAPTURE_FAILED))
            elif roll < 0.02:
                attempts.append((b, ResultKind.REFUSED))
        self.summary.baseline_outstanding = baseline_cum

        groups = self._group(rng, attempts)
        dinas_days = {day: team for day, team in self.dinas_days.get(kec_code, []) if day in DONE_DAYS}
        posts = sorted((g for g in groups if g.kind == VisitKind.VILLAGE_POST),
                       key=lambda g: (-len(g.members), g.desa_code or ""))
        for (day, team_index), group in zip(sorted(dinas_days.items()), posts):
            if all(day in self._eligible_days(m) for m, _r in group.members):
                group.dinas_day = day
                group.dinas_team = team_index
        for group in groups:
            self._schedule_done(rng, kec_code, group)
        self._cancelled_and_planned(rng, kec_code, kec_name, backlog, recorded_ids, plans)

    def _group(self, rng: random.Random, attempts: list[tuple[_Backlog, ResultKind]]) -> list[_Group]:
        """Home and cluster visits for those who cannot come, village posts and office
        walk-ins for the rest; neighbours join a cluster at the host's home."""
        by_rw: dict[tuple[str, str], list[tuple[_Backlog, ResultKind]]] = {}
        rest: list[tuple[_Backlog, ResultKind]] = []
        for attempt in sorted(attempts, key=lambda a: (a[0].rw, a[0].rt, a[0].resident_id)):
            member, result = attempt
            if member.home:
                by_rw.setdefault((member.desa_code, member.rw), []).append(attempt)
            else:
                rest.append(attempt)
        neighbours: dict[tuple[str, str], list[tuple[_Backlog, ResultKind]]] = {}
        posts: dict[str, list[tuple[_Backlog, ResultKind]]] = {}
        office: list[tuple[_Backlog, ResultKind]] = []
        for attempt in rest:
            member, result = attempt
            key = (member.desa_code, member.rw)
            if key in by_rw and result != ResultKind.AWAY and rng.random() < 0.6:
                neighbours.setdefault(key, []).append(attempt)
            elif result == ResultKind.RECORDED and rng.random() < 0.25:
                office.append(attempt)
            else:
                posts.setdefault(member.desa_code, []).append(attempt)
        groups: list[_Group] = []
        for key, home_attempts in by_rw.items():
            if len(home_attempts) == 1 and key not in neighbours:
                member, _r = home_attempts[0]
                groups.append(_Group(VisitKind.HOME, member.desa_code, home_attempts, host=member))
                continue
            everyone = home_attempts + neighbours.get(key, [])
            for i in range(0, len(everyone), 6):
                part = everyone[i:i + 6]
                host = next((m for m, r in part if r != ResultKind.NOT_HOME), part[0][0])
                kind = VisitKind.CLUSTER if len(part) > 1 else VisitKind.HOME
                groups.append(_Group(kind, host.desa_code, part, host=host))
        for desa_code, desa_attempts in posts.items():
            for i in range(0, len(desa_attempts), 45):
                groups.append(_Group(VisitKind.VILLAGE_POST, desa_code, desa_attempts[i:i + 45]))
        for attempt in office:
            groups.append(_Group(VisitKind.OFFICE, None, [attempt]))
        return groups

    def _schedule_done(self, rng: random.Random, kec_code: str, group: _Group) -> None:
        days = sorted(set.intersection(*(set(self._eligible_days(m)) for m, _r in group.members)))
        if not days:
            return
        if group.kind == VisitKind.OFFICE:
            serial = self.kits[kec_code][DeviceRole.STANDBY.value][1]
            until = self.repair_from.get(serial)
            days = [d for d in days if until is None or d < until] or days
            self._office_walk_in(kec_code, group, rng.sample(days, len(days)))
            return
        team_id, team_name = self.kec_team[kec_code]
        device_id, serial = self.kits[kec_code][DeviceRole.MOBILE.value]
        options = [(day, team_id, team_name, device_id, serial) for day in rng.sample(days, len(days))]
        if group.dinas_day is not None:
            options.insert(0, (group.dinas_day, *self.dinas[group.dinas_team]))
        n = len(group.members)
        if group.kind == VisitKind.VILLAGE_POST:
            duration = min(300, max(120, 30 + 6 * n))
            earliest = 8 * 60 if (duration > 120 or rng.random() < 0.8) else 18 * 60
        elif group.kind == VisitKind.CLUSTER:
            duration, earliest = 20 + 8 * n, _DAY_START
        else:
            duration, earliest = _pick(rng, (30, 30, 45)), _DAY_START
        duration = _round_up(duration, 5)
        for day, team_id, team_name, device_id, serial in options:
            slot = self.schedule.place(serial, day, duration, earliest, VisitState.DONE)
            if slot is None and earliest > _DAY_START:
                slot = self.schedule.place(serial, day, duration, _DAY_START, VisitState.DONE)
            if slot is not None:
                self._write_visit(kec_code, group, day, slot, VisitState.DONE, team_id, team_name,
                                  device_id, self._host_address(group))
                return
        # No room on any day: these residents stay outstanding (only at extreme sizes).

    def _office_walk_in(self, kec_code: str, group: _Group, candidates: list[dt.date]) -> None:
        """Walk-ins at the kecamatan office: one session a day on the standby kit."""
        for day in candidates:
            session = self.office_sessions.get((kec_code, day))
            if session is None:
                self.office_sessions[(kec_code, day)] = _Group(VisitKind.OFFICE, None, list(group.members))
                return
            if len(session.members) < 80 or day == candidates[-1]:
                session.members.extend(group.members)
                return

    def _flush_office(self, kec_code: str, kec_name: str) -> None:
        team_id, team_name = self.kec_team[kec_code]
        device_id, serial = self.kits[kec_code][DeviceRole.STANDBY.value]
        for (code, day), session in sorted(self.office_sessions.items(), key=lambda kv: kv[0]):
            if code != kec_code:
                continue
            weekend = day.weekday() >= 5
            duration = max(4 * 60 if weekend else 7 * 60, 6 * len(session.members))
            slot = self.schedule.place(serial, day, min(duration, _DAY_END - 8 * 60), 8 * 60, VisitState.DONE)
            if slot is not None:
                self._write_visit(kec_code, session, day, slot, VisitState.DONE, team_id, team_name,
                                  device_id, f"Kantor Kecamatan {kec_name}")
        self.office_sessions = {k: v for k, v in self.office_sessions.items() if k[0] != kec_code}

    @staticmethod
    def _host_address(group: _Group) -> str:
        if group.host is not None:
            return f"{group.host.address}, RT {group.host.rt} RW {group.host.rw}"
        return ""

    def _write_visit(self, kec_code: str, group: _Group, day: dt.date, slot: tuple[int, int],
                     state: VisitState, team_id: int, team_name: str, device_id: int, host_address: str,
                     notes: str | None = None) -> int:
        visit_id = self.ids.take(Visit.__table__)
        start, end = slot
        if group.kind == VisitKind.VILLAGE_POST and not host_address:
            desa = self.plans_by_code[group.desa_code]
            host_address = (f"Kantor Kelurahan {desa.name}" if desa.is_kelurahan
                            else f"Balai Desa {desa.name}")
        entered = dt.datetime.combine(day, _minutes(end)) + dt.timedelta(minutes=20)
        self._buffer(Visit.__table__, {
            "id": visit_id, "day": day, "start_time": _minutes(start), "end_time": _minutes(end),
            "kind": group.kind.value, "state": state.value, "kecamatan_code": kec_code,
            "desa_code": group.desa_code, "host_address": host_address or None,
            "host_resident_id": group.host.resident_id if group.host is not None else None,
            "team_id": team_id, "device_id": device_id, "campaign_id": self.campaign_id,
            "notes": notes, "version": 1,
            "created_at": entered if state != VisitState.PLANNED else dt.datetime(2016, 9, 21, 16, 0),
            "updated_at": entered if state != VisitState.PLANNED else dt.datetime(2016, 9, 21, 16, 0),
        })
        if state == VisitState.DONE:
            self.summary.visits_done += 1
        elif state == VisitState.PLANNED:
            self.summary.visits_planned += 1
        else:
            self.summary.visits_cancelled += 1
        for member, result in group.members if state == VisitState.DONE else ():
            result_id = self.ids.take(VisitResult.__table__)
            counted = result == ResultKind.RECORDED
            note = None
            if counted and member.category == "away":
                note = "Pulang kampung saat Idul Adha."
            elif result == ResultKind.AWAY:
                note = "Menurut keluarga masih bekerja di luar daerah."
            self._buffer(VisitResult.__table__, {
                "id": result_id, "visit_id": visit_id, "resident_id": member.resident_id,
                "result": result.value, "counted_resident_id": member.resident_id if counted else None,
                "previous_status": member.status.value if counted else None, "note": note,
            })
            if counted:
                self.recorded_so_far += 1
                self.summary.recorded_in_campaign += 1
                self._buffer(StatusChange.__table__, {
                    "id": self.ids.take(StatusChange.__table__), "resident_id": member.resident_id,
                    "old_status": member.status.value, "new_status": KtpStatus.RECORDED.value,
                    "changed_on": day, "changed_at": entered, "changed_by": team_name,
                    "visit_result_id": result_id, "note": f"visit #{visit_id}",
                })
                self._buffer("recorded", {"rid": member.resident_id, "day": day, "vid": visit_id})
            else:
                self.summary.other_results += 1
        return visit_id

    def _cancelled_and_planned(self, rng: random.Random, kec_code: str, kec_name: str,
                               backlog: list[_Backlog], recorded_ids: set[int],
                               plans: dict[str, _DesaPlan]) -> None:
        self._flush_office(kec_code, kec_name)
        team_id, team_name = self.kec_team[kec_code]
        device_id, serial = self.kits[kec_code][DeviceRole.MOBILE.value]
        desa_codes = sorted(plans)
        if desa_codes and rng.random() < 0.5:  # rain or a power cut: a post called off
            desa_code = _pick(rng, desa_codes)
            day = _pick(rng, DONE_DAYS)
            slot = self.schedule.place(serial, day, 180, 8 * 60, VisitState.CANCELLED)
            if slot is not None:
                self._write_visit(kec_code, _Group(VisitKind.VILLAGE_POST, desa_code, []), day, slot,
                                  VisitState.CANCELLED, team_id, team_name, device_id, "",
                                  notes=_pick(rng, _CANCEL_NOTES))
        remaining = [b for b in backlog if b.resident_id not in recorded_ids]
        dinas = {day: team for day, team in self.dinas_days.get(kec_code, []) if day in PLANNED_DAYS}
        desa_left = sorted({b.desa_code for b in remaining})
        for desa_code in desa_left:  # the "next visit" the outstanding list shows
            if rng.random() > 0.7:
                continue
            day = _pick(rng, PLANNED_DAYS)
            visit_team, visit_team_name, visit_device, visit_serial = team_id, team_name, device_id, serial
            if dinas and rng.random() < 0.3:
                day = _pick(rng, sorted(dinas))
                visit_team, visit_team_name, visit_device, visit_serial = self.dinas[dinas[day]]
            slot = self.schedule.place(visit_serial, day, 240, 8 * 60, VisitState.PLANNED)
            if slot is not None:
                self._write_visit(kec_code, _Group(VisitKind.VILLAGE_POST, desa_code, []), day, slot,
                                  VisitState.PLANNED, visit_team, visit_team_name, visit_device, "")
        for member in remaining:
            if not member.home or rng.random() > 0.35:
                continue
            day = _pick(rng, PLANNED_DAYS)
            slot = self.schedule.place(serial, day, 30, _DAY_START, VisitState.PLANNED)
            if slot is not None:
                group = _Group(VisitKind.HOME, member.desa_code, [], host=member)
                self._write_visit(kec_code, group, day, slot, VisitState.PLANNED, team_id, team_name,
                                  device_id, self._host_address(group))

    # ------------------------------------------------------------------ outreach
    def _outreach_for(self, rng: random.Random, kec_code: str, kec_name: str) -> None:
        fridays = [dt.date(2016, 9, 2), dt.date(2016, 9, 9), dt.date(2016, 9, 16)]
        for plan in self.plans.get(kec_code, []):
            rows = []
            mosque = _pick(rng, _MOSQUES)
            takmir = _title(_name(rng, Sex.MALE, _ri(rng, 1960, 1975)))
            rows.append((OutreachChannel.MOSQUE, _pick(rng, fridays), f"H. {takmir} (takmir Masjid {_title(mosque)})",
                         "Pengumuman jadwal perekaman KTP-el setelah salat Jumat."))
            if rng.random() < 0.7:
                head = _name(rng, Sex.MALE if rng.random() < 0.85 else Sex.FEMALE, _ri(rng, 1960, 1980))
                head = _title(head)
                title = "Lurah" if plan.is_kelurahan else "Kepala Desa"
                rows.append((OutreachChannel.VILLAGE_HALL,
                             _random_date(rng, dt.date(2016, 8, 29), dt.date(2016, 9, 18)),
                             f"{title} {plan.name} ({head})",
                             "Rapat RT/RW: daftar warga yang belum rekam dibagikan ke ketua RT."))
            if rng.random() < 0.3:
                rows.append((OutreachChannel.SCHOOL,
                             _pick(rng, [dt.date(2016, 9, 5), dt.date(2016, 9, 6), dt.date(2016, 9, 12),
                                         dt.date(2016, 9, 13), dt.date(2016, 9, 14)]),
                             f"Kepala SMA/SMK di Kecamatan {kec_name}",
                             "Siswa kelas XII yang sudah 17 tahun diminta datang ke pos perekaman."))
            for channel, held_on, by_whom, notes in rows:
                stamp = dt.datetime.combine(held_on, dt.time(16, 0))
                self._buffer(Outreach.__table__, {
                    "id": self.ids.take(Outreach.__table__), "desa_code": plan.code, "kecamatan_code": kec_code,
                    "channel": channel.value, "held_on": held_on, "by_whom": by_whom, "notes": notes,
                    "version": 1, "created_at": stamp, "updated_at": stamp,
                })
                self.summary.outreach += 1

    # ------------------------------------------------------------------ writing
    def _buffer(self, table: Any, row: dict[str, Any]) -> None:
        key = table if isinstance(table, str) else table.name
        self.buffers.setdefault(key, []).append(row)

    def _flush_all(self) -> None:
        for table in (Resident.__table__, Visit.__table__, VisitResult.__table__, StatusChange.__table__,
                      Outreach.__table__):
            rows = self.buffers.pop(table.name, None)
            if rows:
                self.conn.execute(sa.insert(table), rows)
        recorded = self.buffers.pop("recorded", None)
        if recorded:
            resident = Resident.__table__
            self.conn.execute(
                sa.update(resident).where(resident.c.id == sa.bindparam("rid")).values(
                    ktp_status=KtpStatus.RECORDED.value,
                    ktp_status_changed_on=sa.bindparam("day"),
                    recorded_visit_id=sa.bindparam("vid"),
                    version=resident.c.version + 1,
                ),
                recorded,
            )

    def _finish(self) -> None:
        campaign = Campaign.__table__
        self.conn.execute(sa.update(campaign).where(campaign.c.id == self.campaign_id)
                          .values(baseline_outstanding=self.summary.baseline_outstanding))
        if self.conn.dialect.name == "postgresql":
            # Ids were given explicitly: move each serial sequence past them.
            for table in DEMO_TABLES:
                self.conn.execute(sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table.name}), false)"
                ))


