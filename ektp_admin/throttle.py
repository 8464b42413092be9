"""Sign-in throttling of the standalone portal: growing delays, never a lock.

What is remembered
------------------
Every failed sign-in is one row of ``ektp_login_failure``: when, from which
client address, and for which account name. Unknown username, wrong password
and inactive account are one and the same failure. The name is normalised
(Unicode NFKC, case-folded, surrounding blanks dropped) and kept only as a
SHA-256 digest, so a name that does not exist counts exactly like one that
does, and nothing a person typed is stored (people do type their password into
the username field). The rows live in the database, not in a process, because
the portal runs under several worker processes (gunicorn): every worker sees
every other's failures. Failures older than :data:`WINDOW` (24 hours) no longer
count and are deleted.

Two throttles, by growing delay
-------------------------------
* **By address.** The first :data:`ADDRESS_FREE` (10) failures from one address
  within the window cost nothing. From then on the address must wait after its
  latest failure: 1 minute, doubled by each further failure, at most
  :data:`ADDRESS_MAX_DELAY` (60 minutes). This is what slows one machine trying
  many names (120 failures over 30 names): the 11th attempt already waits.
* **By account name.** After :data:`ACCOUNT_FREE` (5) failures for one name
  within the window, from any addresses, attempts at that name wait after its
  latest failure: 1 minute, doubled per further failure, at most
  :data:`ACCOUNT_MAX_DELAY` (15 minutes). This slows guessing one password from
  many addresses.

Why a stranger cannot keep the owner out
----------------------------------------
* The account delay only holds back attempts from addresses that have failed
  themselves (at any name) within the window. An address with a clean record
  is never delayed by failures made elsewhere: attacking a name cannot keep its
  owner out, and an attacker gets one try per fresh address (then his address
  has failed, and the account delay applies to him too).
* From an address that has failed, the account delay is at most 15 minutes
  after the name's latest failure.
* A successful sign-in forgives the failures of that name from that address
  (the owner's own typos), so colleagues behind one office address do not add
  up each other's corrected mistakes; failures at other names stay counted.
* A new password (users screen, ``flask ektp create-user``) forgives every
  failure of the name.

While an attempt must wait, the password is not checked and the refusal does
not count as a failure (pressing the button again does not extend the wait).
The answer is 429 with ``Retry-After`` and "try again in N minutes", the same
for real and unknown names. The standalone portal logs every refusal.

Limits
------
The counts are read before the password check and written after it, so
requests running in parallel can overshoot a limit by about the number of
worker processes. The address is ``request.remote_addr``; an IPv6 address
counts as its /64 network (one subscriber's prefix), an IPv4-mapped one as its
IPv4 address. Behind a reverse proxy every request comes from the proxy: apply
werkzeug's ``ProxyFix`` (``EKTP_ADMIN_PROXIES=1`` in the standalone portal),
otherwise all users share one address and throttle each other.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import unicodedata
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from .models import LoginFailure

#: Failures older than this are forgotten (and deleted).
WINDOW = dt.timedelta(hours=24)
#: Failures from one address within the window before it must wait.
ADDRESS_FREE = 10
#: Failures at one account name within the window before it must wait.
ACCOUNT_FREE = 5
#: The first wait; each further failure doubles it.
BASE_DELAY = dt.timedelta(minutes=1)
ADDRESS_MAX_DELAY = dt.timedelta(minutes=60)
ACCOUNT_MAX_DELAY = dt.timedelta(minutes=15)


def utcnow() -> dt.datetime:
    """The throttle's clock (naive UTC, like every stored time); tests move it."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def account_key(username: str | None) -> str:
    """The digest a typed username counts under (real and unknown names alike)."""
    name = unicodedata.normalize("NFKC", username or "").casefold().strip()
    return hashlib.sha256(name.encode("utf-8")).hexdigest()


def address_key(remote_addr: str | None) -> str:
    """The address a request counts under: IPv4 as is, IPv6 as its /64 network."""
    if not remote_addr:
        return "unknown"
    try:
        ip = ipaddress.ip_address(remote_addr.strip())
    except ValueError:
        # Not an IP (a unix socket's peer, a bad forwarded header): kept, but
        # only characters that are safe in a log line.
        return "".join(ch for ch in remote_addr if ch.isalnum() or ch in ":.%_-")[:50] or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


@dataclass(frozen=True)
class Wait:
    """A refusal: how long to wait, and which throttle holds the attempt back."""

    seconds: int
    reason: str  # "address" or "account"

    @property
    def minutes(self) -> int:
        return max(1, -(-self.seconds // 60))


def _delay(failures: int, free: int, cap: dt.timedelta) -> dt.timedelta | None:
    if failures < free:
        return None
    return min(BASE_DELAY * 2 ** min(failures - free, 20), cap)


def _failures(session: Any, column: Any, value: str, since: dt.datetime) -> tuple[int, dt.datetime | None]:
    table = LoginFailure.__table__
    count, latest = session.execute(
        sa.select(sa.func.count(), sa.func.max(table.c.at)).where(column == value, table.c.at >= since)
    ).one()
    return int(count or 0), latest


def check(session: Any, address: str, account: str, now: dt.datetime | None = None) -> Wait | None:
    """Whether an attempt from ``address`` at ``account`` must wait (None: go ahead).

    Always runs the same two queries, whether the name exists or not.
    """
    now = now or utcnow()
    table = LoginFailure.__table__
    since = now - WINDOW
    address_failures, address_latest = _failures(session, table.c.address, address, since)
    account_failures, account_latest = _failures(session, table.c.account, account, since)
    waits = []
    delay = _delay(address_failures, ADDRESS_FREE, ADDRESS_MAX_DELAY)
    if delay is not None and address_latest is not None:
        waits.append(((address_latest + delay) - now, "address"))
    # The account delay never holds back an address with a clean record (see above).
    delay = _delay(account_failures, ACCOUNT_FREE, ACCOUNT_MAX_DELAY)
    if delay is not None and account_latest is not None and address_failures:
        waits.append(((account_latest + delay) - now, "account"))
    waits = [(left, reason) for left, reason in waits if left > dt.timedelta(0)]
    if not waits:
        return None
    left, reason = max(waits)
    return Wait(seconds=max(1, int(-(-left.total_seconds() // 1))), reason=reason)


def record_failure(session: Any, address: str, account: str, now: dt.datetime | None = None) -> None:
    """Remember one failure, then delete the ones the window has forgotten.

    Two short transactions of single statements: concurrent workers never wait
    on each other for long, and never deadlock over the purge.
    """
    now = now or utcnow()
    table = LoginFailure.__table__
    session.execute(sa.insert(table).values(at=now, address=address, account=account))
    session.commit()
    session.execute(sa.delete(table).where(table.c.at < now - WINDOW))
    session.commit()


def forgive(session: Any, address: str, account: str) -> None:
    """After a successful sign-in: forget that name's failures from that address."""
    table = LoginFailure.__table__
    session.execute(sa.delete(table).where(table.c.account == account, table.c.address == address))
    session.commit()


def forget_account(session: Any, username: str) -> None:
    """After a new password: forget every failure of that name (not committed)."""
    table = LoginFailure.__table__
    session.execute(sa.delete(table).where(table.c.account == account_key(username)))
