"""Issue 4, sessions of the standalone portal end when they should.

A session cookie copied before sign-out used to work for up to 10 hours, and a
new password did not end other sessions. Each user now has a session epoch
(``ektp_admin/sessions.py``): sign-out, a new password (users screen, CLI) and
an admin's "End sessions" action raise it, and every cookie of the old epoch,
copies included, stops working at once.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from security.ektp_support import (
    KEC_A,
    PASSWORD,
    audit_entries,
    csrf_token,
    flashes,
    form_fields,
    sign_in,
    submit,
    text,
    token_for,
)

from ektp_admin import models


def signed_in(client: Any) -> bool:
    response = client.get("/admin/residents/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def copy_of(app: Any, client: Any) -> Any:
    """Another browser holding a copy of ``client``'s session cookie as it is now."""
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    return copy


def user_row(app: Any, username: str) -> Any:
    with app.app_context():
        row = models.db.session.execute(sa.select(models.User).filter_by(username=username)).scalar_one()
        models.db.session.expunge(row)
        return row


def sign_out(client: Any) -> None:
    assert client.post("/logout", data={"csrf_token": token_for(client)}).status_code == 302


def end_sessions(client: Any, *usernames: str, app: Any) -> Any:
    ids = [str(user_row(app, name).id) for name in usernames]
    page = text(client.get("/admin/users/"))
    return client.post("/admin/users/action/", data={"action": "end_sessions", "rowid": ids,
                                                      "csrf_token": csrf_token(page)})


def change_password(admin: Any, app: Any, username: str, new_password: str) -> None:
    edit = f"/admin/users/edit/?id={user_row(app, username).id}"
    response = submit(admin, edit, form_fields(text(admin.get(edit)), "ektp_version"), new_password=new_password)
    assert response.status_code == 302, flashes(text(response))


# ---------------------------------------------------------------------- sign-out


def test_a_cookie_copied_before_sign_out_stops_working_after_it(app: Any) -> None:
    clerk = sign_in(app.test_client(), "clerk")
    stolen = copy_of(app, clerk)
    assert signed_in(stolen)  # a copy works while the session lives
    sign_out(clerk)
    assert not signed_in(stolen)
    assert not signed_in(clerk)


def test_sign_out_ends_the_users_other_sessions_and_nobody_elses(app: Any) -> None:
    office, phone = sign_in(app.test_client(), "clerk"), sign_in(app.test_client(), "clerk")
    colleague = sign_in(app.test_client(), "clerk_b")
    sign_out(office)
    assert not signed_in(phone)
    assert signed_in(colleague)
    assert signed_in(sign_in(app.test_client(), "clerk"))  # signing in again works


def test_sign_out_is_no_edit_of_the_user(app: Any) -> None:
    before = user_row(app, "clerk")
    entries = len(audit_entries(app, table_name="ektp_user"))
    sign_out(sign_in(app.test_client(), "clerk"))
    after = user_row(app, "clerk")
    assert after.session_epoch == before.session_epoch + 1
    assert after.version == before.version  # an open edit form of the user is not made stale
    assert len(audit_entries(app, table_name="ektp_user")) == entries


def test_a_session_from_before_session_epochs_is_refused(app: Any) -> None:
    client = app.test_client()
    client.get("/login")
    with client.session_transaction() as session:
        session["_user_id"] = str(user_row(app, "admin").id)  # the old token: the bare id
        session["_fresh"] = True
    assert not signed_in(client)


# ---------------------------------------------------------------------- a new password


def test_a_new_password_set_in_session_b_ends_session_a(app: Any) -> None:
    a = sign_in(app.test_client(), "admin")
    b = sign_in(app.test_client(), "admin")
    copy_of_b_before = copy_of(app, b)
    change_password(b, app, "admin", "kata-sandi-baru-admin")
    assert not signed_in(a)
    assert not signed_in(copy_of_b_before)
    assert signed_in(b)  # the session that set the password stays signed in
    assert b.get("/admin/users/").status_code == 200


def test_a_password_the_admin_sets_ends_the_users_sessions(app: Any) -> None:
    clerk = sign_in(app.test_client(), "clerk")
    admin = sign_in(app.test_client(), "admin")
    change_password(admin, app, "clerk", "kata-sandi-baru-juru")
    assert not signed_in(clerk)
    assert signed_in(admin)
    changes = audit_entries(app, table_name="ektp_user", record_id=str(user_row(app, "clerk").id))[-1]["changes"]
    assert changes["session_epoch"] == [0, 1] and changes["password_hash"] == ["***", "***"]


def test_editing_a_user_without_a_new_password_keeps_the_sessions(app: Any) -> None:
    clerk = sign_in(app.test_client(), "clerk")
    admin = sign_in(app.test_client(), "admin")
    edit = f"/admin/users/edit/?id={user_row(app, 'clerk').id}"
    response = submit(admin, edit, form_fields(text(admin.get(edit)), "ektp_version"), kecamatan=KEC_A)
    assert response.status_code == 302, flashes(text(response))
    assert signed_in(clerk)


def test_a_password_reset_from_the_cli_ends_the_users_sessions(app: Any, runner: Any) -> None:
    clerk = sign_in(app.test_client(), "clerk")
    result = runner.invoke(args=["ektp", "create-user", "clerk", "--role", "clerk", "--kecamatan", KEC_A,
                                 "--password", "kata-sandi-dari-cli"])
    assert result.exit_code == 0, result.output
    assert not signed_in(clerk)


# ---------------------------------------------------------------------- the admin's "End sessions"


def test_an_admin_ends_a_users_sessions(app: Any) -> None:
    clerk, phone = sign_in(app.test_client(), "clerk"), sign_in(app.test_client(), "clerk")
    colleague = sign_in(app.test_client(), "clerk_b")
    admin = sign_in(app.test_client(), "admin")
    before = user_row(app, "clerk")
    response = end_sessions(admin, "clerk", app=app)
    assert response.status_code == 302
    assert "Sessions ended for 1 user." in flashes(text(admin.get(response.headers["Location"])))
    assert not signed_in(clerk) and not signed_in(phone)
    assert signed_in(colleague) and signed_in(admin)
    after = user_row(app, "clerk")
    assert after.session_epoch == before.session_epoch + 1
    assert after.version == before.version
    # recorded once, as who did what to whom
    entry = audit_entries(app, table_name="ektp_user", record_id=str(before.id))[-1]
    assert (entry["username"], entry["action"], entry["kecamatan_code"]) == ("admin", "update", KEC_A)
    assert entry["changes"] == {"session_epoch": [0, 1]}
    assert signed_in(sign_in(app.test_client(), "clerk"))  # the user simply signs in again


def test_ending_sessions_of_several_users(app: Any) -> None:
    clerk, colleague = sign_in(app.test_client(), "clerk"), sign_in(app.test_client(), "clerk_b")
    admin = sign_in(app.test_client(), "admin")
    response = end_sessions(admin, "clerk", "clerk_b", app=app)
    assert "Sessions ended for 2 users." in flashes(text(admin.get(response.headers["Location"])))
    assert not signed_in(clerk) and not signed_in(colleague)


def test_ending_ones_own_sessions_keeps_this_one(app: Any) -> None:
    elsewhere = sign_in(app.test_client(), "admin")
    here = sign_in(app.test_client(), "admin")
    end_sessions(here, "admin", app=app)
    assert not signed_in(elsewhere)
    assert signed_in(here)


def test_ending_sessions_does_not_make_an_open_edit_form_stale(app: Any) -> None:
    admin = sign_in(app.test_client(), "admin")
    edit = f"/admin/users/edit/?id={user_row(app, 'clerk').id}"
    fields = form_fields(text(admin.get(edit)), "ektp_version")  # the form is open...
    end_sessions(sign_in(app.test_client(), "admin"), "clerk", app=app)  # ...another admin ends the sessions
    response = submit(admin, edit, fields, role="supervisor", kecamatan="")
    assert response.status_code == 302, flashes(text(response))
    assert user_row(app, "clerk").role == "supervisor"


def test_the_action_needs_a_valid_token_and_an_admin(app: Any) -> None:
    clerk = sign_in(app.test_client(), "clerk")
    clerk_id = str(user_row(app, "clerk").id)
    admin = sign_in(app.test_client(), "admin")
    response = admin.post("/admin/users/action/", data={"action": "end_sessions", "rowid": [clerk_id]})
    assert response.status_code == 400
    for who in ("supervisor", "clerk_b"):
        other = sign_in(app.test_client(), who)
        response = other.post("/admin/users/action/", data={"action": "end_sessions", "rowid": [clerk_id],
                                                           "csrf_token": token_for(other)})
        assert response.status_code == 403, who
    assert signed_in(clerk)
    assert user_row(app, "clerk").session_epoch == 0


def test_an_unknown_id_ends_nothing(app: Any) -> None:
    clerk = sign_in(app.test_client(), "clerk")
    admin = sign_in(app.test_client(), "admin")
    response = admin.post("/admin/users/action/", data={"action": "end_sessions",
                                                        "rowid": [str(user_row(app, "clerk").id), "999999"],
                                                        "csrf_token": token_for(admin)})
    assert response.status_code == 404
    assert signed_in(clerk)


def test_the_users_list_offers_the_action_in_both_languages(app: Any) -> None:
    admin = sign_in(app.test_client(), "admin")
    assert "End sessions" in text(admin.get("/admin/users/"))
    assert "Akhiri sesi" in text(admin.get("/admin/users/?lang=id"))
