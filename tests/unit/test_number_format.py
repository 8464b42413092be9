"""Counts are shown as Babel would format them, in every locale the plugin speaks."""
from __future__ import annotations

from decimal import Decimal

import pytest
from flask import Flask
from flask_babel import Babel, force_locale, format_decimal

from ektp_admin.formatting import fmt_num


@pytest.mark.parametrize("locale", ["id", "en"])
@pytest.mark.parametrize("value", [0, 7, 999, 1000, 56014, 1288630, 31000000, -1, -1288630, 2.5, Decimal("1234")])
def test_fmt_num_is_babels_pattern(locale: str, value: object) -> None:
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context(), force_locale(locale):
        assert fmt_num(value) == format_decimal(value, format="#,##0")


def test_fmt_num_indonesian_groups_with_dots() -> None:
    app = Flask(__name__)
    Babel(app)
    with app.test_request_context(), force_locale("id"):
        assert fmt_num(1288630) == "1.288.630"
        assert fmt_num(None) == "-"
