"""The residents list at depth and its searches, timed through the app (in-process).

    python bench/list_paging.py --database-url sqlite:////tmp/demo.sqlite [--runs 7]

The database must hold a demo (`flask --app wsgi ektp demo --residents N`). Every
request goes through the whole app (login, reach, Flask-Admin, templates) with
Flask's test client, so the times are the server's work without a network; the
medians of ``--runs`` warm runs are printed, with the SQL the page ran.
It signs in as a bench admin it creates once (``bench-admin``).
"""
from __future__ import annotations

import argparse
import html
import re
import statistics
import time
from typing import Any, Callable

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

PASSWORD = "bench-admin-password-16"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--deep", type=int, default=0, help="deep page number (default: the middle of the list)")
    options = parser.parse_args()

    from ektp_admin import models
    from ektp_admin.standalone import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": options.database_url, "SECRET_KEY": "bench", "TESTING": True,
                      "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False, "WTF_CSRF_ENABLED": True})
    with app.app_context():
        session = models.db.session
        if session.execute(sa.select(models.User).where(models.User.username == "bench-admin")).first() is None:
            session.add(models.User(username="bench-admin", role="admin", kecamatan_code=None,
                                    password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")))
            session.commit()
        residents = session.execute(sa.select(sa.func.count()).select_from(models.Resident)).scalar_one()
        words = session.execute(sa.text(
            "SELECT name_key FROM ektp_resident WHERE id % 997 = 0 LIMIT 2000")).scalars().all()
        nik = session.execute(sa.select(models.Resident.nik).where(models.Resident.id == residents // 2)).scalar_one()
        dialect = models.db.engine.dialect.name
    surnames: dict[str, int] = {}
    for name in words:
        surnames[name.split()[-1]] = surnames.get(name.split()[-1], 0) + 1
    common = max(surnames, key=lambda k: surnames[k])
    rare = min(surnames, key=lambda k: surnames[k])

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page)
    assert token, "no CSRF token on the login page"
    assert client.post("/login", data={"username": "bench-admin", "password": PASSWORD,
                                       "csrf_token": token.group(1)}).status_code == 302
    client.get("/admin/?lang=id")

    deep = options.deep or residents // 50 // 2
    deep_page = client.get(f"/admin/residents/?go={deep}").get_data(as_text=True)
    following = re.search(r'<a class="page-link" href="([^"]+)" rel="next"', deep_page)
    assert following, "the deep page links the next one"
    keyset_url = html.unescape(following.group(1))

    def timed(url: str) -> Callable[[], Any]:
        def run() -> Any:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return response.get_data(as_text=True)
        return run

    spaced = " ".join(nik[i:i + 4] for i in range(0, 16, 4))
    cases = [
        ("list, page 1 (with its total)", "/admin/residents/"),
        (f"list, page {deep + 1} from the link on page {deep} (keyset)", keyset_url),
        (f"list, page {deep} typed in the box (OFFSET from the nearer end)", f"/admin/residents/?go={deep}"),
        (f"surname search, common ({common})", f"/admin/residents/?search={common}"),
        (f"surname search, rare ({rare})", f"/admin/residents/?search={rare}"),
        (f"two words ({common.lower()} + a given-name prefix)", f"/admin/residents/?search={common.lower()}+a"),
        ("NIK prefix, 8 digits", f"/admin/residents/?search={nik[:8]}"),
        ("NIK with spaces, exact", f"/admin/residents/?search={spaced.replace(' ', '+')}"),
    ]
    print(f"{residents:,} residents on {dialect}; medians of {options.runs} warm runs (ms)\n")
    print("| request | median | min | max | total shown |")
    print("| --- | ---: | ---: | ---: | --- |")
    for label, url in cases:
        run = timed(url)
        body = run()  # warm
        times = []
        for _ in range(options.runs):
            start = time.perf_counter()
            body = run()
            times.append((time.perf_counter() - start) * 1000)
        shown = re.search(r'class="nav-link ektp-list-total"[^>]*>([^<]*)<', body)
        print(f"| {label} | {statistics.median(times):.1f} | {min(times):.1f} | {max(times):.1f} | "
              f"{html.unescape(shown.group(1)) if shown else '-'} |")
    with app.app_context():
        models.db.session.remove()
        models.db.engine.dispose()


if __name__ == "__main__":
    main()
