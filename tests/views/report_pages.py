"""Reading the report screens (progress, forecast, migrants) as a test sees them:
a page's text, and a headline figure by its name (sign in with ``as_user``)."""
from __future__ import annotations

import html
import re
from typing import Any


def text(response: Any) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    return response.get_data(as_text=True)


def clean(value: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", value)).strip()


def figure(page: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}"[^>]*>(.*?)</td>', page, re.S)
    assert match, f"no figure {name}"
    return clean(match.group(1))
