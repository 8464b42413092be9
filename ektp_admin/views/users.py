"""Logins of the standalone portal (admins only)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import inspect as sa_inspect
from werkzeug.security import generate_password_hash
from wtforms import PasswordField, SelectField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..access import ADMIN_ONLY, CREATE, DELETE, EDIT, READ
from ..domain.enums import Role
from ..i18n import gettext, label, lazy_gettext
from .base import EktpModelView


class UserView(EktpModelView):
    grants = {READ: ADMIN_ONLY, CREATE: ADMIN_ONLY, EDIT: ADMIN_ONLY, DELETE: ADMIN_ONLY}
    export_basename = "pengguna"
    column_default_sort = [("username", False)]
    column_list = ["username", "role", "kecamatan", "active", "failed_logins", "locked_until"]
    column_details_exclude_list = ["password_hash"]
    column_labels = {
        "username": lazy_gettext("Username"),
        "role": lazy_gettext("Role"),
        "kecamatan": lazy_gettext("Kecamatan"),
        "active": lazy_gettext("Active"),
        "failed_logins": lazy_gettext("Failed logins"),
        "locked_until": lazy_gettext("Locked until"),
    }
    column_formatters = {"role": lambda v, c, m, n: label(m.role, Role)}
    form_columns = ["username", "role", "kecamatan", "active", "new_password"]
    form_overrides = {"role": SelectField}
    form_choices = {"role": Role}
    form_extra_fields = {"new_password": PasswordField(lazy_gettext("New password"), validators=[Optional(), Length(min=10)])}
    form_args = {"username": {"label": lazy_gettext("Username"), "validators": [DataRequired(), Length(max=80)]}}


    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        if model.role == Role.CLERK.value and model.kecamatan is None:
            raise ValidationError(gettext("A clerk must belong to a kecamatan."))
        if self._is_self(model) and (model.role != Role.ADMIN.value or not model.active):
            raise ValidationError(gettext("You cannot take away your own administrator rights or deactivate yourself."))
        if form.new_password.data:
            # Werkzeug's current default (scrypt); a new password also lifts a lock.
            model.password_hash = generate_password_hash(form.new_password.data)
            model.failed_logins = 0
            model.locked_until = None
        elif is_created:
            raise ValidationError(gettext("A new user needs a password (at least 10 characters)."))

    def on_model_delete(self, model: Any) -> None:
        if self._is_self(model):
            raise ValidationError(gettext("You cannot delete your own account."))

    def _is_self(self, model: Any) -> bool:
        user = self.user
        if user is None:
            return False
        original = sa_inspect(model).attrs.username.history
        name = original.deleted[0] if original.deleted else model.username
        return name == user.username
