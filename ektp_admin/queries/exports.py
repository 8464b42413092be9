"""What a fast export reads besides its rows: code -> name tables, loaded once."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def code_names(conn: Any, model: Any) -> dict[Any, str]:
    """``{code: name}`` of a region model (:class:`~ektp_admin.models.Desa`,
    :class:`~ektp_admin.models.Kecamatan`): a few hundred rows for a regency, read
    on the export's own snapshot so names and rows agree."""
    return {code: name for code, name in conn.execute(sa.select(model.code, model.name))}
