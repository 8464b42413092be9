"""``flask ektp ...``: set up regions, demo data and users."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from .domain.enums import Role


def _db():
    from . import get_state

    return get_state().db


@click.group("ektp", help="e-KTP recording campaign: regions, demo data, users.")
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


@ektp_cli.command("init-db")
@with_appcontext
def init_db() -> None:
    """Create the ektp_ tables that do not exist yet (never drops anything)."""
    from . import get_state
    from .models import User

    db = _db()
    tables = [t for t in db.metadata.sorted_tables if t.name.startswith("ektp_")]
    if not get_state().manages_users:
        tables = [t for t in tables if t.name != User.__tablename__]
    db.metadata.create_all(db.engine, tables=tables)
    click.echo("Tables ready.")


@ektp_cli.command("load-regions")
@click.argument("code")
@with_appcontext
def load_regions_command(code: str) -> None:
    """Load the kecamatan and desa/kelurahan of kab/kota CODE (e.g. 35.10 for Banyuwangi)."""
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
@click.option("--seed", type=int, default=2016, show_default=True)
@click.option("--reset", is_flag=True, help="Delete existing residents, visits, kits, teams, campaigns and "
              "outreach first (asks for confirmation; regions, users and the audit trail are kept).")
@with_appcontext
def demo(residents: int, seed: int, reset: bool) -> None:
    """Build a realistic Banyuwangi campaign (regions, residents, kits, teams, visits).

    The campaign as it stood on its day 14 (2016-09-21); the same seed gives the same
    data. Refuses when the database already holds campaign data, unless --reset.
    """
    from .demo import build_demo

    if reset:
        click.confirm("Delete all residents, visits, kits, teams, campaigns and outreach records?", abort=True)
    db = _db()
    build_demo(db, residents=residents, seed=seed, echo=click.echo, reset=reset)


# The import commands live with the import code; importing the module registers them.
from .population import commands as _population_commands  # noqa: E402,F401
