"""``EKTP_ADMIN_*`` values are checked once, at init_app, with the key named."""
from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask

from ektp_admin import DEFAULT_CONFIG, EktpAdmin
from ektp_admin.config import CHECKS, ConfigError, validate


def test_every_setting_has_a_check() -> None:
    assert set(DEFAULT_CONFIG) <= set(CHECKS)


def test_values_as_people_write_them_are_stored_typed() -> None:
    config: dict[str, Any] = {
        "EKTP_ADMIN_RECORDING_START": "07:30", "EKTP_ADMIN_REFERENCE_DATE": "2016-09-21",
        "EKTP_ADMIN_PAGE_SIZE": "20", "EKTP_ADMIN_CSV_BOM": "false", "EKTP_ADMIN_LOCALES": "id, en",
        "EKTP_ADMIN_URL": "/e-ktp/",
    }
    validate(config, DEFAULT_CONFIG)
    assert config["EKTP_ADMIN_RECORDING_START"] == dt.time(7, 30)
    assert config["EKTP_ADMIN_REFERENCE_DATE"] == dt.date(2016, 9, 21)
    assert config["EKTP_ADMIN_PAGE_SIZE"] == 20
    assert config["EKTP_ADMIN_CSV_BOM"] is False
    assert config["EKTP_ADMIN_LOCALES"] == ("id", "en")
    assert config["EKTP_ADMIN_URL"] == "/e-ktp"
    assert config["EKTP_ADMIN_NAME"] == DEFAULT_CONFIG["EKTP_ADMIN_NAME"]
    assert str(config["EKTP_ADMIN_TIMEZONE"]) == "Asia/Jakarta"  # the default: WIB


def test_the_office_zone_is_read_by_its_name() -> None:
    from zoneinfo import ZoneInfo

    config: dict[str, Any] = {"EKTP_ADMIN_TIMEZONE": " Asia/Makassar "}
    validate(config, DEFAULT_CONFIG)
    assert config["EKTP_ADMIN_TIMEZONE"] == ZoneInfo("Asia/Makassar")
    validate(config, DEFAULT_CONFIG)  # a second app given the same config: already a zone
    assert config["EKTP_ADMIN_TIMEZONE"] == ZoneInfo("Asia/Makassar")


@pytest.mark.parametrize("key, value, says", [
    ("EKTP_ADMIN_PAGE_SIZE", "lima puluh", "a whole number from 1 to 1000"),
    ("EKTP_ADMIN_PAGE_SIZE", 0, "a whole number from 1 to 1000"),
    ("EKTP_ADMIN_RECORDING_END", "8 malam", 'a time of day such as "07:00"'),
    ("EKTP_ADMIN_REFERENCE_DATE", "21-09-2016", 'a date such as "2016-09-21"'),
    ("EKTP_ADMIN_URL", "admin", 'a URL path starting with "/"'),
    ("EKTP_ADMIN_CSV_BOM", "maybe", "true or false"),
    ("EKTP_ADMIN_LOCALES", (), "a list of language codes"),
    ("EKTP_ADMIN_TIMEZONE", "Asia/Banyuwangi", 'a time zone name from the IANA database, such as "Asia/Jakarta" (WIB)'),
    ("EKTP_ADMIN_TIMEZONE", "WIB", 'a time zone name from the IANA database'),
    ("EKTP_ADMIN_TIMEZONE", "", 'a time zone name from the IANA database'),
])
def test_a_value_that_means_nothing_names_its_key(key: str, value: Any, says: str) -> None:
    with pytest.raises(ConfigError) as raised:
        validate({key: value}, DEFAULT_CONFIG)
    assert str(raised.value).startswith(f"{key} = {value!r} cannot be used: give {says}")


def test_settings_that_contradict_each_other_are_refused() -> None:
    with pytest.raises(ConfigError, match="RECORDING_START must be before EKTP_ADMIN_RECORDING_END"):
        validate({"EKTP_ADMIN_RECORDING_START": "20:00", "EKTP_ADMIN_RECORDING_END": "07:00"}, DEFAULT_CONFIG)
    with pytest.raises(ConfigError, match="EKTP_ADMIN_DEFAULT_LOCALE = 'fr' is not one of"):
        validate({"EKTP_ADMIN_DEFAULT_LOCALE": "fr"}, DEFAULT_CONFIG)


def test_init_app_refuses_a_bad_setting_before_registering_anything(tmp_path: Any) -> None:
    app = Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.sqlite'}", EKTP_ADMIN_PAGE_SIZE=-5)
    with pytest.raises(ConfigError, match="EKTP_ADMIN_PAGE_SIZE = -5"):
        EktpAdmin(app)
    assert "ektp_admin" not in app.extensions
