"""The fixed vocabularies of the field, stored as short English codes.

Labels are msgids (translated by the view layer); the stored codes never change.
"""
from __future__ import annotations

from enum import StrEnum

from .messages import N_


class LabelledEnum(StrEnum):
    """A StrEnum whose members carry an English label msgid.

    Members are declared ``CODE = "stored", N_("Label")``; looked up by the
    stored code alone (``Sex("L")``), as any enum.
    """

    label: str

    def __new__(cls, value: str, label: str = "") -> "LabelledEnum":
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


class Sex(LabelledEnum):
    MALE = "L", N_("Male")
    FEMALE = "P", N_("Female")


class MaritalStatus(LabelledEnum):
    SINGLE = "single", N_("Single")
    MARRIED = "married", N_("Married")
    DIVORCED = "divorced", N_("Divorced")
    WIDOWED = "widowed", N_("Widowed")


class Citizenship(LabelledEnum):
    WNI = "wni", N_("Indonesian citizen")
    WNA_PERMANENT = "wna_permanent", N_("Foreigner with permanent stay permit")
    WNA_OTHER = "wna_other", N_("Foreigner without permanent stay permit")


class KtpStatus(LabelledEnum):
    NOT_RECORDED = "not_recorded", N_("Not recorded")
    RECORDED = "recorded", N_("Recorded")
    SENT = "sent", N_("Sent for enrolment (SFE)")
    PRINT_READY = "print_ready", N_("Print-ready (PRR)")
    PRINTED = "printed", N_("Printed")
    HANDED_OVER = "handed_over", N_("Handed over")
    ENROL_FAILED = "enrol_failed", N_("Enrol failure at central (EFAC)")
    DUPLICATE = "duplicate", N_("Duplicate record (DUP)")


class DeviceOwnerKind(LabelledEnum):
    KECAMATAN = "kecamatan", N_("Kecamatan")
    DINAS = "dinas", N_("Dinas")


class DeviceRole(LabelledEnum):
    STANDBY = "standby", N_("Standby at office")
    MOBILE = "mobile", N_("Mobile")


class DeviceCondition(LabelledEnum):
    WORKING = "working", N_("Working")
    IN_REPAIR = "in_repair", N_("In repair")
    RETIRED = "retired", N_("Retired")


class TeamKind(LabelledEnum):
    DINAS = "dinas", N_("Dinas team")
    KECAMATAN = "kecamatan", N_("Kecamatan team")


class VisitKind(LabelledEnum):
    OFFICE = "office", N_("Kecamatan office")
    VILLAGE_POST = "village_post", N_("Village post")
    HOME = "home", N_("Home visit")
    CLUSTER = "cluster", N_("Cluster at a neighbour's home")


class VisitState(LabelledEnum):
    PLANNED = "planned", N_("Planned")
    DONE = "done", N_("Done")
    CANCELLED = "cancelled", N_("Cancelled")


class ResultKind(LabelledEnum):
    RECORDED = "recorded", N_("Recorded")
    NOT_HOME = "not_home", N_("Not at home")
    AWAY = "away", N_("Away (migrant)")
    REFUSED = "refused", N_("Refused")
    CAPTURE_FAILED = "capture_failed", N_("Capture failed")
    ALREADY_RECORDED = "already_recorded", N_("Already recorded")
    DECEASED = "deceased", N_("Deceased")
    #: Asked to a planned visit (the home-visit planner), not seen yet: filled in on the day.
    INVITED = "invited", N_("Invited, not seen yet")


class Departure(LabelledEnum):
    """Why a resident left the regency's backlog for good (no longer wajib here)."""

    DECEASED = "deceased", N_("Deceased")
    MOVED_OUT = "moved_out", N_("Moved out (pindah)")


class OutreachChannel(LabelledEnum):
    MOSQUE = "mosque", N_("Mosque (takmir)")
    VILLAGE_HALL = "village_hall", N_("Village hall")
    SCHOOL = "school", N_("School")
    OTHER = "other", N_("Other")


class Role(LabelledEnum):
    ADMIN = "admin", N_("Administrator")
    SUPERVISOR = "supervisor", N_("Supervisor (Dinas)")
    CLERK = "clerk", N_("Clerk (kecamatan operator)")
