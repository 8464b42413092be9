"""What the plugin asks of every request to its own endpoints, and adds to every answer.

Only the plugin's endpoints (named ``ektp_*``) are touched: a host portal's other
routes keep the host's own limits, headers and error pages.

- **Request size.** ``EKTP_ADMIN_MAX_REQUEST_BYTES`` (2 MB by default) is set as
  the request's own ``max_content_length`` before anything reads the body
  (a host's ``CSRFProtect`` included); a bigger request is refused with 413
  without being read. An endpoint that takes a file marked with
  :func:`accepts_upload` gets ``EKTP_ADMIN_MAX_UPLOAD_BYTES`` instead. A host's
  own, stricter ``MAX_CONTENT_LENGTH`` still applies to the other endpoints.
- **413 page.** A refused request reads, in the user's language, what was too
  large and what to do; requests to the host's routes keep the host's handler.
- **Answers.** Every page of the plugin (its static files aside) is sent with
  ``Cache-Control: no-store`` (they show personal data: no browser or proxy
  keeps a copy) and the ``EKTP_ADMIN_CONTENT_SECURITY_POLICY``
  (:data:`DEFAULT_CSP`). The screens carry no inline script and no inline event
  handler: Flask-Admin's templates that have them (list menus, delete button,
  inline "Add" button) are overridden in ``templates/ektp_admin/model`` and
  ``static/ektp_admin/ektp_admin.js`` does their work; so scripts need only
  ``'self'``. Styles allow ``'unsafe-inline'``: Flask-Admin's widgets (Select2,
  the date pickers) and our bar charts set ``style`` attributes, and a style
  cannot run code.
"""
from __future__ import annotations

from typing import Any, Callable

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

#: Endpoints whose names start with this belong to the plugin (see the README).
ENDPOINT_PREFIX = "ektp_"
#: Config key of the limit an endpoint marked with :func:`accepts_upload` gets.
UPLOAD_LIMIT_KEY = "EKTP_ADMIN_MAX_UPLOAD_BYTES"
REQUEST_LIMIT_KEY = "EKTP_ADMIN_MAX_REQUEST_BYTES"


#: The policy every page of the plugin is sent with (``EKTP_ADMIN_CONTENT_SECURITY_POLICY``).
DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'self'"
)


def accepts_upload(method: Callable[..., Any]) -> Callable[..., Any]:
    """Mark an exposed method that receives a file (the population file): its
    requests may be as large as ``EKTP_ADMIN_MAX_UPLOAD_BYTES``."""
    method.ektp_request_limit = UPLOAD_LIMIT_KEY  # type: ignore[attr-defined]
    return method


def is_plugin_endpoint(endpoint: str | None) -> bool:
    return bool(endpoint) and endpoint.startswith(ENDPOINT_PREFIX)  # type: ignore[union-attr]


def request_limit(app: Flask, endpoint: str) -> int | None:
    """The most bytes a request to ``endpoint`` may carry."""
    view = app.view_functions.get(endpoint)
    key = getattr(view, "ektp_request_limit", REQUEST_LIMIT_KEY)
    ours = app.config.get(key)
    if key == UPLOAD_LIMIT_KEY:
        return ours  # asked for explicitly: larger than the portal's general limit
    host = app.config.get("MAX_CONTENT_LENGTH")
    if ours is None:
        return host
    return ours if host is None else min(ours, host)


def _limit_request(endpoint: str | None, values: Any) -> None:
    # A URL value preprocessor runs after routing and before every before_request
    # function, so the limit is in place before CSRFProtect (or anyone) reads the form.
    if is_plugin_endpoint(endpoint):
        request.max_content_length = request_limit(current_app, endpoint)  # type: ignore[arg-type]


def _answer_headers(response: Any) -> Any:
    endpoint = request.endpoint
    if not is_plugin_endpoint(endpoint) or endpoint.endswith(".static"):  # type: ignore[union-attr]
        return response
    response.headers["Cache-Control"] = "no-store"
    policy = current_app.config.get("EKTP_ADMIN_CONTENT_SECURITY_POLICY")
    if policy:
        response.headers.setdefault("Content-Security-Policy", policy)
    return response


def _size_text(size: int | None) -> str:
    from .formatting import fmt_dec

    if size is None:
        return "-"
    if size >= 1024 * 1024:
        return f"{fmt_dec(size / (1024 * 1024))} MB"
    return f"{fmt_dec(size / 1024)} kB"


def install(app: Flask) -> None:
    """Install the request limits, the 413 page and the answers' headers on ``app`` (from ``EktpAdmin.init_app``)."""
    app.url_value_preprocessor(_limit_request)
    app.after_request(_answer_headers)

    previous = app.error_handler_spec.get(None, {}).get(413, {}).get(RequestEntityTooLarge)

    def too_large(error: RequestEntityTooLarge) -> Any:
        if not is_plugin_endpoint(request.endpoint):
            return previous(error) if previous is not None else error
        from .i18n import gettext
        from .state import get_state

        message = gettext(
            "What you sent is too large: at most %(size)s is accepted. Shorten the text "
            "(or send a smaller file) and try again.",
            size=_size_text(request.max_content_length),
        )
        page = get_state().admin.index_view.render("ektp_admin/message.html", message=message)
        return page, 413

    app.register_error_handler(RequestEntityTooLarge, too_large)
