"""Every screen answers each role as its grants say."""
from __future__ import annotations

import pytest

SCREENS = ["/admin/residents/", "/admin/devices/", "/admin/teams/", "/admin/visits/", "/admin/campaigns/",
           "/admin/outreach/", "/admin/kecamatan/", "/admin/desa/", "/admin/users/", "/admin/audit/"]


@pytest.mark.parametrize("url", SCREENS)
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("url", SCREENS)
def test_admin_opens_every_list(login_as, url):
    client = login_as("admin")
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]


@pytest.mark.parametrize("url, status", [("/admin/residents/", 200), ("/admin/users/", 403), ("/admin/audit/", 403)])
def test_clerk_sees_only_granted_screens(login_as, url, status):
    assert login_as("clerk").get(url).status_code == status
