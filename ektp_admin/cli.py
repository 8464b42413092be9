"""``flask ektp ...``: upgrade the schema, set up regions, demo data and users."""
from __future__ import annotations

import click
from alembic.util import CommandError
from flask.cli import with_appcontext

from .domain.enums import Role


def _db():
    from . import get_state

    return get_state().db


@click.group("ektp", help="e-KTP recording campaign: schema, regions, demo data, users.")
def ektp_cli() -> None:
    """Every command; an app gets its own group (:func:`commands_for`)."""


def commands_for(*, manages_users: bool) -> click.Group:
    """The ``flask ektp`` group of one app: ``create-user`` only where the
    plugin keeps its own logins (no host hook)."""
    group = click.Group("ektp", help=ektp_cli.help)
    for name, command in ektp_cli.commands.items():
        if name == "create-user" and not manages_users:
            continue
        group.add_command(command, name)
    return group


def _refuse_where_the_portal_migrates() -> None:
    from flask import current_app

    from .migrations.runner import portal_includes_branch

    if portal_includes_branch(current_app):
        raise click.ClickException("This app's Flask-Migrate includes the ektp_admin branch: its `flask db upgrade` "
                                   "migrates the e-KTP tables; run that instead.")


def _upgrade(*, init: bool) -> None:
    from . import get_state
    from .migrations.runner import MigrationError, upgrade

    _refuse_where_the_portal_migrates()
    state = get_state()
    try:
        outcome = upgrade(state.db.engine, manages_users=state.manages_users)
    except (MigrationError, CommandError) as exc:  # e.g. a revision newer than this release knows
        raise click.ClickException(str(exc)) from None
    if outcome.stamped:
        click.echo(f"No version table: the tables are those of {outcome.stamped}; recorded it.")
    for revision, doc in outcome.applied:
        click.echo(f"Applied {revision}: {doc}")
    click.echo(f"Database at {outcome.head} (head)." + (" Tables ready." if init else ""))
    if init:
        from . import counters
        from .queries.clauses import reference_date

        with state.db.engine.begin() as conn:
            if counters.read_window(conn) is None:
                counters.rebuild(conn, reference_date())
                click.echo("Counters built.")


@ektp_cli.command("upgrade")
@click.option("--sql", is_flag=True, help="Print the SQL instead of running it (for a DBA to review and run); "
              "the database is only read, to see where it stands.")
@with_appcontext
def upgrade_command(sql: bool) -> None:
    """Bring the ektp_ tables to the newest schema (the plugin's migrations).

    Works on an empty database, on one migrated before (ektp_alembic_version) and
    on one made by create_all of an earlier release (recognised, then upgraded).
    A portal whose Flask-Migrate includes the plugin's branch runs `flask db upgrade`.
    """
    if not sql:
        _upgrade(init=False)
        return
    from . import get_state
    from .migrations.runner import MigrationError, upgrade_sql

    _refuse_where_the_portal_migrates()
    state = get_state()
    try:
        click.echo(upgrade_sql(state.db.engine, manages_users=state.manages_users), nl=False)
    except (MigrationError, CommandError) as exc:
        raise click.ClickException(str(exc)) from None


@ektp_cli.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create or upgrade the ektp_ tables: the same as `flask ektp upgrade` (never drops data)."""
    _upgrade(init=True)


@ektp_cli.command("counters")
@click.option("--rebuild", is_flag=True, help="Count every resident again into the per-desa counters "
              "(a new window around the reference day).")
@click.option("--check", is_flag=True, help="Compare the counters with a direct count; exit 1 on a difference, "
              "naming the desa.")
@with_appcontext
def counters_command(rebuild: bool, check: bool) -> None:
    """The per-desa counters the summaries read (and the residents list's page marks):
    rebuild them, or check them against the residents."""
    from . import counters, list_marks
    from .queries.clauses import reference_date

    if not rebuild and not check:
        raise click.UsageError("Give --rebuild, --check or both.")
    db = _db()
    if rebuild:
        with db.engine.begin() as conn:
            window = counters.rebuild(conn, reference_date(), recentre=True)
        click.echo(f"Counters rebuilt; exact from {window.first:%d-%m-%Y} to {window.last:%d-%m-%Y}. "
                   "The residents list's page marks set again.")
    if check:
        with db.engine.connect() as conn:
            differences = counters.check(conn)
            built = counters.read_window(conn) is not None
            misplaced = list_marks.check(conn)
        if not built:
            click.echo("The counters were never built: run `flask ektp counters --rebuild`.")
        for scope, stored, counted in misplaced[:5]:
            click.echo(f"Page mark of {'the regency' if scope == list_marks.REGENCY else 'kecamatan ' + scope}: "
                       f"{stored} residents before it stored, {counted} counted")
        if misplaced:
            click.echo(f"{len(misplaced)} page marks differ; `flask ektp counters --rebuild` sets them again.")
        if not differences:
            click.echo("Counters agree with a direct count.")
            if misplaced:
                raise SystemExit(1)
            return
        by_desa: dict[str, list[counters.Difference]] = {}
        for difference in differences:
            by_desa.setdefault(difference.desa_code, []).append(difference)
        for desa_code, found in sorted(by_desa.items()):
            kinds = ", ".join(f"{d.kind} {d.day:%d-%m-%Y}: {d.stored} stored, {d.counted} counted" for d in found[:5])
            more = f" (+{len(found) - 5} more)" if len(found) > 5 else ""
            click.echo(f"Desa {desa_code}: {kinds}{more}")
        click.echo(f"{len(by_desa)} desa differ; `flask ektp counters --rebuild` counts them again.")
        raise SystemExit(1)


@ektp_cli.command("revision")
@click.option("-m", "--message", required=True, help="What the schema change is, e.g. \"visit notes longer\".")
@click.option("--empty", is_flag=True, help="An empty revision to write by hand (data moves), not autogenerated.")
def revision_command(message: str, empty: bool) -> None:
    """Write the next migration for a change to models.py (in a source checkout).

    Autogenerated from the difference between the models and a scratch SQLite
    database at the head revision; review it before committing.
    """
    from .migrations import VERSIONS_DIR
    from .migrations.runner import new_revision

    if not (VERSIONS_DIR.parents[2] / "setup.cfg").is_file():
        raise click.ClickException("Revisions are written in a source checkout of ektp-admin (pip install -e .).")
    path = new_revision(message, empty=empty)
    if path is None:
        click.echo("No difference between the models and the migrations: nothing written.")
    else:
        click.echo(f"Wrote {path}: review it (names as op.f(...), ektp_user changes under user_table_wanted()).")


@ektp_cli.command("load-regions")
@click.argument("code")
@with_appcontext
def load_regions_command(code: str) -> None:
    """Load the kecamatan and desa/kelurahan of kab/kota CODE (e.g. 35.10 for Banyuwangi)."""
    from . import get_state
    from .regions import UnknownRegion, load_regions

    db = _db()
    try:
        result = load_regions(db.session, code)
    except UnknownRegion:
        db.session.rollback()
        raise click.ClickException(
            f"Unknown kabupaten/kota code {code!r}: give a Kemendagri code such as 35.10 (Kabupaten Banyuwangi)."
        ) from None
    db.session.commit()
    get_state().region_options.clear()  # this process's lists (a server's workers re-read within 30 s)
    click.echo(
        f"{result.regency_name} ({result.regency_code}): {result.kecamatan} kecamatan, "
        f"{result.desa + result.kelurahan} desa/kelurahan ({result.desa} desa, {result.kelurahan} kelurahan); "
        f"{result.added} new rows."
    )


@ektp_cli.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--kecamatan", "kecamatan_code", help="Kecamatan code (required for clerks), e.g. 35.10.01")
@click.option("--password", help="Prompted (hidden) when absent.")
@with_appcontext
def create_user(username: str, role: str, kecamatan_code: str | None, password: str | None) -> None:
    """Create (or reset) a login of the standalone portal."""
    import sqlalchemy as sa
    from werkzeug.security import generate_password_hash

    from .models import Kecamatan, User
    from .throttle import forget_account

    db = _db()
    if role == Role.CLERK.value and not kecamatan_code:
        raise click.BadParameter("a clerk needs --kecamatan CODE", param_hint="--kecamatan")
    if kecamatan_code and db.session.get(Kecamatan, kecamatan_code) is None:
        raise click.BadParameter(f"unknown kecamatan {kecamatan_code!r} (run `flask ektp load-regions` first)",
                                 param_hint="--kecamatan")
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 10:
        raise click.BadParameter("at least 10 characters", param_hint="--password")
    user = db.session.execute(sa.select(User).where(User.username == username)).scalar_one_or_none()
    created = user is None
    if created:
        user = User(username=username)
        db.session.add(user)
    user.role = role
    user.kecamatan_code = kecamatan_code
    user.password_hash = generate_password_hash(password)
    user.active = True
    if not created:
        # A new password ends the user's sessions and forgives failed sign-ins.
        user.session_epoch = (user.session_epoch or 0) + 1
    forget_account(db.session, username)
    db.session.commit()
    click.echo(f"{'Created' if created else 'Updated'} {role} {username}.")


@ektp_cli.command("demo")
@click.option("--residents", "residents", type=click.IntRange(min=100), default=20000, show_default=True,
              help="Resident rows to create (about 70 % of them wajib KTP).")
@click.option("--preset", type=click.Choice(["banyuwangi"]), default=None,
              help="Exactly the article's regency instead of --residents: 1,288,630 wajib KTP residents "
              "(about 1.8 M rows with their children), 56,014 never recorded at the campaign's start.")
@click.option("--scale", type=click.FloatRange(min=0, max=1, min_open=True), default=1.0, show_default=True,
              help="With --preset: the same ratios at this fraction of the size.")
@click.option("--seed", type=int, default=2016, show_default=True)
@click.option("--reset", is_flag=True, help="Delete existing residents, visits, kits, teams, campaigns and "
              "outreach first (asks for confirmation; regions, users and the audit trail are kept).")
@with_appcontext
def demo(residents: int, preset: str | None, scale: float, seed: int, reset: bool) -> None:
    """Build a realistic Banyuwangi campaign (regions, residents, kits, teams, visits).

    The campaign as it stood on its day 14 (2016-09-21); the same seed gives the same
    data. Refuses when the database already holds campaign data, unless --reset.
    """
    from .demo import build_demo

    if reset:
        click.confirm("Delete all residents, visits, kits, teams, campaigns and outreach records?", abort=True)
    db = _db()
    build_demo(db, residents=residents, seed=seed, echo=click.echo, reset=reset, preset=preset, scale=scale)


# The import commands live with the import code; importing the module registers them.
from .population import commands as _population_commands  # noqa: E402,F401
