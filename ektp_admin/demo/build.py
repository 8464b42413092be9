"""The load itself: :func:`build_demo` and the :class:`Builder` that runs the parts in order."""
from __future__ import annotations

import contextlib
import random
import time as _time
from typing import Any, Callable, Iterator

import click
import sqlalchemy as sa

from .. import counters, search_index
from ..engines import refresh_statistics
from ..models import Campaign, Desa, Kecamatan, Resident
from .campaign import DEMO_REGENCY, RECORDED_SHARE, DemoSummary, campaign_row, preset_counts
from .draw import seeded
from .outreach import OutreachLog
from .pipeline import Backlog, sort_into_pipeline
from .plan import BacklogQuota, choose_attempts, plan_desa
from .recording import VisitLog
from .residents import ResidentMaker
from .schedule import VisitScheduler
from .store import (
    DEFAULT_CHUNK,
    DEMO_TABLES,
    BulkWriter,
    Ids,
    create_tables,
    delete_demo_data,
    existing_data,
    fast_sqlite,
)
from .teams import setup_kits_and_teams


class DemoDataExists(click.ClickException):
    """The database already holds campaign data; the demo refuses to mix with it."""


def build_demo(
    db: Any,
    *,
    residents: int = 20000,
    seed: int = 2016,
    echo: Callable[[str], Any] | None = None,
    reset: bool = False,
    chunk_size: int = DEFAULT_CHUNK,
    preset: str | None = None,
    scale: float = 1.0,
) -> DemoSummary:
    """Build the Banyuwangi demo campaign in ``db`` (a Flask-SQLAlchemy object).

    Creates missing ektp_ tables and loads the 35.10 regions first (both idempotent).
    Refuses with :class:`DemoDataExists` when residents, kits, teams, visits, campaigns
    or outreach records exist, unless ``reset`` is true: then those are deleted first
    (regions, users and the audit trail are kept). ``echo`` receives progress lines;
    when it is :func:`click.echo` a progress bar is shown. Needs an app context.

    ``preset="banyuwangi"`` replaces ``residents``: exactly 1,288,630 wajib KTP residents
    on :data:`DEMO_TODAY` (with their households' children, about 1.8 M rows) of whom
    exactly 56,014 were never recorded when the campaign began; ``scale`` (0-1] shrinks
    both alike, for tests.
    """
    target = None
    if preset is not None:
        target = preset_counts(preset, scale)
        residents = target[0]
    if residents < 1:
        raise ValueError("residents must be at least 1")
    started = _time.monotonic()
    say = echo or (lambda _text: None)
    create_tables(db)
    engine = db.engine
    summary = DemoSummary(seed=seed)
    with engine.connect() as conn:
        restore = fast_sqlite(conn)
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
                Builder(conn, residents, seed, say, echo is click.echo, chunk_size, summary,
                        outstanding=target[1] if target else None).run()
        finally:
            restore()
    say("Refreshing the planner's statistics ...")
    refresh_statistics(engine, [t.name for t in DEMO_TABLES] + [Desa.__tablename__, Kecamatan.__tablename__])
    summary.seconds = _time.monotonic() - started
    for line in summary.lines():
        say(line)
    return summary


class Builder:
    """Runs the load in one transaction: regions, campaign, kits and teams, then kecamatan
    by kecamatan the residents, their statuses, the visits and the outreach."""

    def __init__(self, conn: sa.Connection, residents: int, seed: int, say: Callable[[str], Any],
                 progress_bar: bool, chunk_size: int, summary: DemoSummary, *,
                 outstanding: int | None = None) -> None:
        self.conn = conn
        #: residents to make; with ``outstanding`` (a preset) wajib KTP residents, of
        #: whom exactly ``outstanding`` are never recorded at the campaign's start
        self.total = residents
        self.outstanding = outstanding
        self.seed = seed
        self.say = say
        self.progress_bar = progress_bar
        self.chunk_size = max(1000, chunk_size)
        self.summary = summary

    def rng(self, *parts: Any) -> random.Random:
        return seeded(self.seed, *parts)

    def run(self) -> None:
        from sqlalchemy.orm import Session

        from ..regions import load_regions

        with Session(bind=self.conn) as session:  # joins the load's transaction
            load = load_regions(session, DEMO_REGENCY)
            session.flush()
        self.say(f"Regions: {load.regency_name} ({load.regency_code}), {load.kecamatan} kecamatan, "
                 f"{load.desa + load.kelurahan} desa/kelurahan.")
        self.kecamatan: list[tuple[str, str]] = [(row[0], row[1]) for row in self.conn.execute(
            sa.select(Kecamatan.code, Kecamatan.name)
            .where(Kecamatan.regency_code == DEMO_REGENCY).order_by(Kecamatan.code)
        )]
        desa_rows = list(self.conn.execute(
            sa.select(Desa.code, Desa.name, Desa.is_kelurahan, Desa.kecamatan_code)
            .where(Desa.kecamatan_code.in_([code for code, _name in self.kecamatan])).order_by(Desa.code)
        ))
        self.ids = Ids(self.conn, list(DEMO_TABLES))
        self.writer = BulkWriter(self.conn)
        by_wajib = self.outstanding is not None
        self.plans = plan_desa(self.rng("plan"), desa_rows, self.total, by_wajib=by_wajib)
        campaign_id = self.ids.take(Campaign.__table__)
        self.summary.campaign_id = campaign_id
        self.conn.execute(sa.insert(Campaign.__table__), [campaign_row(campaign_id)])
        crews = setup_kits_and_teams(self.conn, self.ids, self.rng("kits"), self.kecamatan)
        self.summary.devices, self.summary.teams = crews.devices, crews.teams

        self.backlog_quota = BacklogQuota(self.outstanding / self.total) if self.outstanding is not None \
            else BacklogQuota()
        plans_by_code = {p.code: p for plans in self.plans.values() for p in plans}
        self.visits = VisitScheduler(crews, VisitLog(self.ids, self.writer, self.summary, campaign_id),
                                     plans_by_code)
        self.outreach = OutreachLog(self.ids, self.writer, self.summary, self.plans)
        # SQLite: the names' word index is filled once after the load, not by a trigger per row
        with self._progress() as advance, search_index.bulk_load(self.conn):
            for kec_code, kec_name in self.kecamatan:
                self._kecamatan(kec_code, kec_name, advance)
                if not self.progress_bar:
                    done = self.summary.wajib if by_wajib else self.summary.residents
                    self.say(f"Kecamatan {kec_name}: {done:,} of {self.total:,} "
                             f"{'wajib KTP residents' if by_wajib else 'residents'}.")
            self.writer.flush()
        campaign = Campaign.__table__
        self.conn.execute(sa.update(campaign).where(campaign.c.id == campaign_id)
                          .values(baseline_outstanding=self.summary.baseline_outstanding))
        self.writer.move_sequences()
        # The counters once, for the whole load, in its transaction.
        counters.rebuild(self.conn)

    @contextlib.contextmanager
    def _progress(self) -> Iterator[Callable[[int], Any]]:
        """A progress bar on a terminal (echo is click.echo), else one line per kecamatan."""
        if self.progress_bar:
            with click.progressbar(length=self.total, label="Residents", show_pos=True) as bar:
                yield bar.update
            return
        yield lambda _n: None

    def _kecamatan(self, kec_code: str, kec_name: str, advance: Callable[[int], Any]) -> None:
        """One kecamatan, all from its own generator: residents, visits, outreach."""
        rng = self.rng("kecamatan", kec_code)
        maker = ResidentMaker(self.ids, self.kecamatan, kec_code, kec_name)
        backlog: list[Backlog] = []
        for plan in self.plans.get(kec_code, []):
            people = maker.desa(rng, plan)
            wajib = [p for p in people if p.wajib]
            self.summary.residents += len(people)
            self.summary.wajib += len(wajib)
            outstanding = self.backlog_quota.choose(rng, plan, wajib)
            backlog.extend(sort_into_pipeline(rng, wajib, outstanding))
            for person in people:
                self.writer.add(Resident.__table__, person.row)
            if self.writer.pending(Resident.__table__) >= self.chunk_size:
                self.writer.flush()
            advance(len(wajib) if plan.wajib is not None else len(people))
        self.writer.flush()  # visits below refer to these residents

        # The campaign recorded RECORDED_SHARE of the backlog so far (error diffusion again).
        baseline = self.summary.baseline_outstanding + len(backlog)
        quota = round(RECORDED_SHARE * baseline) - self.summary.recorded_in_campaign
        plans = {p.code: p for p in self.plans.get(kec_code, [])}
        attempts = choose_attempts(rng, backlog, plans, quota)
        self.summary.baseline_outstanding = baseline
        self.visits.kecamatan(rng, kec_code, kec_name, attempts, backlog, plans)
        self.outreach.for_kecamatan(rng, kec_code, kec_name)
        self.writer.flush()
