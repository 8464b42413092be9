"""Visit logs (placeholder until the visit screen lands)."""
from __future__ import annotations

from ..access import ALL, READ
from .base import EktpModelView


class VisitView(EktpModelView):
    grants = {READ: ALL}
    scope_column = "kecamatan_code"
    column_default_sort = [("day", True)]
