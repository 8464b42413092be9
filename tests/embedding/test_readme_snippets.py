"""The README's embedding snippets, run as pasted (docs that cannot rot)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def _snippets() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## Embedding in an existing portal", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_the_embedding_section_has_its_snippets() -> None:
    snippets = _snippets()
    assert len(snippets) >= 3
    assert "EktpAdmin(app, admin=admin, db=db, current_user=portal_user)" in snippets[0]


def test_the_portal_snippet_runs_and_the_hooks_three_answers_hold(tmp_path: Any,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    first, options, prefix = _snippets()[:3]
    # The options snippet goes before EktpAdmin(...), as the README says.
    portal, rest = first.split("EktpAdmin(app, admin=admin, db=db, current_user=portal_user)")
    namespace: dict[str, Any] = {"__name__": "portal"}
    exec(portal, namespace)  # noqa: S102 - the README's own code
    exec(options, namespace)  # noqa: S102
    exec("EktpAdmin(app, admin=admin, db=db, current_user=portal_user)" + rest, namespace)  # noqa: S102
    app = namespace["app"]
    app.config["TESTING"] = True
    try:
        _use_the_portal(app, namespace, prefix)
    finally:
        with app.app_context():  # the snippet's own SQLite file: give its connections back
            namespace["db"].session.remove()
            namespace["db"].engine.dispose()


def _use_the_portal(app: Any, namespace: dict[str, Any], prefix: str) -> None:
    with app.app_context():
        from ektp_admin.regions import load_regions

        load_regions(namespace["db"].session, "35.10")
        namespace["db"].session.commit()

    client = app.test_client()
    assert client.get("/admin/residents/").status_code == 401  # nobody signed in, no login endpoint
    for who, status in (("tamu", 403), ("camat", 200), ("kadis", 200)):
        with client.session_transaction() as session:
            session["user"] = who
        assert client.get("/admin/residents/").status_code == status, who
    assert client.get("/admin/devices/").status_code == 404  # not among EKTP_ADMIN_SCREENS
    ours = {str(v.category) for v in namespace["admin"]._views if v.endpoint.startswith("ektp_")}
    assert ours == {"e-KTP"}

    exec(prefix, namespace)  # noqa: S102
    from werkzeug.test import Client

    mounted = Client(namespace["application"])
    with client.session_transaction() as session:
        session["user"] = "kadis"
    cookie = client.get_cookie("session")
    assert cookie is not None
    mounted.set_cookie("session", cookie.value)
    assert mounted.get("/portal/admin/residents/").status_code == 200
    assert mounted.get("/admin/residents/").status_code == 404
