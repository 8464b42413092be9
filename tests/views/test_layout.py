"""The standalone layout: language switch, who is signed in, sign-out with CSRF."""
from __future__ import annotations

from conftest import csrf_token


def test_signed_in_page_shows_user_and_signout(login_as):
    client = login_as("clerk")
    html = client.get("/admin/residents/").get_data(as_text=True)
    # the name on the bar, the role in its tooltip (the menu keeps to one line at 1366 px)
    assert 'title="Operator kecamatan">clerk</span>' in html
    assert 'action="/logout"' in html


def test_logout_needs_csrf_token(login_as):
    client = login_as("clerk")
    assert client.post("/logout").status_code == 400
    assert client.get("/admin/residents/").status_code == 200  # still signed in
    token = csrf_token(client.get("/admin/residents/").get_data(as_text=True))
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/admin/residents/").status_code == 302  # back to the login page


def test_language_switch_is_remembered(login_as):
    client = login_as("clerk")
    indonesian = client.get("/admin/residents/").get_data(as_text=True)
    assert ">English<" in indonesian and "Tambah Filter" in indonesian  # Indonesian by default
    english = client.get("/admin/residents/?lang=en").get_data(as_text=True)
    assert ">English<" not in english and "Bahasa Indonesia" in english and "Add Filter" in english
    again = client.get("/admin/residents/").get_data(as_text=True)
    assert "Bahasa Indonesia" in again
