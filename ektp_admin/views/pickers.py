"""Relation pickers (select2 ajax) that offer only rows the user reaches."""
from __future__ import annotations

from typing import Any

from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from sqlalchemy.orm import joinedload

from ..access import current_reach, rule_for
from ..domain.enums import VisitKind
from ..formatting import fmt_day, fmt_time
from ..i18n import gettext, label, lazy_gettext
from ..models import Desa, Resident, Visit
from ..queries import planned_visit_clause, planned_visit_search_clause, reference_date, visit_order
from ..queries.residents import resident_search_clause
from .request_values import clean_text, coerce_pk


class ReachAjaxLoader(QueryAjaxModelLoader):
    """A picker over ``model`` limited by the model's reach rule (see ``access.RULES``)."""

    def __init__(self, name: str, session: Any, model: Any, **options: Any) -> None:
        rule_for(model)  # a picker over a model without a rule is refused at start-up
        super().__init__(name, session, model, **options)

    def get_query(self) -> Any:
        return super().get_query().filter(current_reach().clause(self.model))

    def get_list(self, term: str, offset: int = 0, limit: int = 10) -> Any:
        return super().get_list(clean_text(term or ""), max(offset or 0, 0), max(1, min(limit or 10, 100)))

    def get_one(self, pk: Any) -> Any:
        column = getattr(self.model, self.pk)
        try:
            value = coerce_pk(column.property.columns[0], pk)
        except ValueError:
            return None
        # Read while a form populates its object: nothing half-built may be flushed.
        with self.get_query().session.no_autoflush:
            return self.get_query().filter(column == value).one_or_none()


class ResidentLoader(ReachAjaxLoader):
    """Resident picker: NIK prefix or name prefix (index-served), within reach."""

    def __init__(self, name: str, db: Any, **options: Any) -> None:
        options.setdefault("placeholder", lazy_gettext("Type a NIK or the start of a name"))
        super().__init__(name, db.session, Resident, fields=["nik", "name"], **options)

    def format(self, model: Any) -> Any:
        """``NAME - NIK - DESA RT 001/RW 002``: enough to tell two SITI AMINAH apart."""
        if model is None:
            return None
        where = model.desa.name if model.desa is not None else model.desa_code
        if model.rt or model.rw:
            where += f" RT {model.rt or '-'}/RW {model.rw or '-'}"
        return model.id, f"{model.name} - {model.nik} - {where}"

    def get_list(self, term: str, offset: int = 0, limit: int = 10) -> list[Resident]:
        term = " ".join(clean_text(term or "").split())
        if not term:
            return []
        limit = max(1, min(limit or 10, 50))
        return (
            self.get_query()
            .filter(resident_search_clause(term))
            .order_by(Resident.name_key, Resident.id)
            .offset(max(offset or 0, 0))
            .limit(limit)
            .all()
        )


class DesaLoader(ReachAjaxLoader):
    """Desa picker by name or code, within reach; each named with its kecamatan
    (Banyuwangi has two Tamansari, two Karangrejo, two Watukebo)."""

    def format(self, model: Any) -> Any:
        if model is None:
            return None
        kecamatan = model.kecamatan.name if model.kecamatan is not None else model.kecamatan_code
        short = gettext("Kec.")  # outside the f-string, so every Python's extractor finds it
        return model.code, f"{model.name} ({short} {kecamatan})"

    def get_query(self) -> Any:
        return super().get_query().options(joinedload(Desa.kecamatan))

    def __init__(self, name: str, db: Any, **options: Any) -> None:
        super().__init__(
            name, db.session, Desa, fields=["name", "code"], page_size=20,
            placeholder=lazy_gettext("Type the desa name"), order_by="name", **options,
        )


class PlannedVisitLoader(ReachAjaxLoader):
    """Planned visits from today on, within reach, soonest first; found by desa name or place.

    The form that uses it checks the visit belongs to the chosen desa."""

    def __init__(self, name: str, db: Any, **options: Any) -> None:
        options.setdefault("placeholder", lazy_gettext("Type the desa name or the place"))
        super().__init__(name, db.session, Visit, fields=["host_address"], **options)

    def format(self, model: Any) -> Any:
        """``24-09-2016 08:00-14:00 Village post, Balai Desa (Sarongan)``."""
        if model is None:
            return None
        where = label(model.kind, VisitKind)
        if model.host_address:
            where += f", {model.host_address}"
        desa = model.desa.name if model.desa is not None else model.desa_code or model.kecamatan_code
        return model.id, f"{fmt_day(model.day)} {fmt_time(model.start_time)}-{fmt_time(model.end_time)} {where} ({desa})"

    def get_list(self, term: str, offset: int = 0, limit: int = 10) -> list[Visit]:
        term = " ".join(clean_text(term or "").split())
        query = self.get_query().filter(planned_visit_clause(reference_date()))
        if term:
            query = query.filter(planned_visit_search_clause(term))
        return (
            query.options(joinedload(Visit.desa)).order_by(*visit_order())
            .offset(max(offset or 0, 0)).limit(max(1, min(limit or 10, 50))).all()
        )
