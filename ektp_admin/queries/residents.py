"""Finding residents: the search every list and picker shares."""
from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.expression import ColumnElement

from .. import search_index
from ..domain.text import clean_text
from ..models import Resident, Visit, VisitResult

#: The words of a name or a search: letters and digits (FTS5's unicode61, PostgreSQL's
#: parser and InnoDB's all split at anything else, the underscore included).
_WORD = re.compile(r"[^\W_]+")
#: What people type between the groups of a NIK: 3510 0112 0590 0001, 35.10.01.120590.0001
_NIK_SEPARATORS = re.compile(r"[\s.\-/]+")
_DIGITS = re.compile(r"[0-9]+")
#: MariaDB/MySQL index no word shorter than this (innodb_ft_min_token_size's default)
#: nor a handful of English stopwords: those words are matched by REGEXP beside it.
_FULLTEXT_MIN = 3
_FULLTEXT_STOPWORDS = frozenset(
    "A ABOUT AN ARE AS AT BE BY COM DE EN FOR FROM HOW I IN IS IT LA OF ON OR THAT THE THIS TO WAS WHAT "
    "WHEN WHERE WHO WILL WITH UND WWW".split())


def resident_search_clause(search: str) -> Any:
    """A NIK (exact or prefix; spaces, dots and dashes between its groups are
    ignored) or words of the name, each served by an index.

    Words: every word typed must begin a word of the name, in any order and any
    case ("HARIYANTO" and "hari agus" find "AGUS HARIYANTO"). Stock Flask-Admin
    ORs ``ILIKE '%term%'`` over every column, which no index can serve on 1.29 M rows.
    """
    term = " ".join(clean_text(search).split())
    if not term:
        return sa.true()
    digits = _NIK_SEPARATORS.sub("", term)
    if _DIGITS.fullmatch(digits):
        return nik_clause(digits)
    words = _WORD.findall(term.upper())
    if not words:  # only punctuation: it begins no word
        return sa.false()
    return NameWords(list(dict.fromkeys(words)))


def nik_clause(digits: str) -> Any:
    """The NIK ``digits`` (16 of them) or every NIK beginning with them: a range on
    the unique index."""
    if len(digits) >= 16:
        return Resident.nik == digits[:16]
    # The next number of the same length bounds the range: digits sort alike
    # under every collation (a ':' after '9' does not under ICU collations).
    following = str(int(digits) + 1).zfill(len(digits))
    if len(following) > len(digits):  # all nines: everything from term upwards
        return Resident.nik >= digits
    return sa.and_(Resident.nik >= digits, Resident.nik < following)


class NameWords(ColumnElement[bool]):
    """``name_key`` has a word beginning with each of ``words``, through the
    database's own word index (:mod:`ektp_admin.search_index`)."""

    inherit_cache = False  # the SQL depends on the words (MariaDB's short words)
    type = sa.Boolean()
    # a predicate already: never "... = 1" where the database has no boolean type
    # (that would hide the IN from SQLite's planner and scan every row)
    _is_implicitly_boolean = True

    def __init__(self, words: list[str]) -> None:
        self.words = words


def _like_word(compiler: Any, word: str, **kw: Any) -> str:
    """``name_key`` has a word beginning with ``word`` (letters and digits only:
    nothing to escape), without an index."""
    key = Resident.__table__.c.name_key
    return compiler.process(sa.or_(key.like(word + "%"), key.like("% " + word + "%")), **kw)


@compiles(NameWords)
def _name_words_anywhere(element: NameWords, compiler: Any, **kw: Any) -> str:
    return f"({' AND '.join(f'({_like_word(compiler, w, **kw)})' for w in element.words)})"


@compiles(NameWords, "sqlite")
def _name_words_sqlite(element: NameWords, compiler: Any, **kw: Any) -> str:
    query = " AND ".join(f'"{w}"*' for w in element.words)  # a word is letters and digits: nothing to quote
    fts = search_index.FTS_TABLE
    return (f"{compiler.process(Resident.__table__.c.id, **kw)} IN (SELECT rowid FROM {fts} "
            f"WHERE {fts} MATCH {compiler.process(sa.bindparam(None, query, type_=sa.String), **kw)})")


@compiles(NameWords, "postgresql")
def _name_words_postgresql(element: NameWords, compiler: Any, **kw: Any) -> str:
    query = " & ".join(f"{w}:*" for w in element.words)
    # exactly the index's expression, or the planner cannot use it
    return (f"to_tsvector('simple'::regconfig, {compiler.process(Resident.__table__.c.name_key, **kw)}) "
            f"@@ to_tsquery('simple'::regconfig, {compiler.process(sa.bindparam(None, query, type_=sa.String), **kw)})")


@compiles(NameWords, "mysql")
@compiles(NameWords, "mariadb")
def _name_words_mysql(element: NameWords, compiler: Any, **kw: Any) -> str:
    indexed = [w for w in element.words if len(w) >= _FULLTEXT_MIN and w not in _FULLTEXT_STOPWORDS]
    rest = [w for w in element.words if w not in indexed]
    parts = []
    if indexed:
        query = " ".join(f"+{w}*" for w in indexed)
        # The matching ids first, from the FULLTEXT index alone: evaluated row by row
        # next to a range on another index, MariaDB 10.11 let non-matching rows through.
        parts.append(f"{compiler.process(Resident.__table__.c.id, **kw)} IN (SELECT words.id FROM "
                     f"{Resident.__tablename__} AS words WHERE MATCH (words.name_key) AGAINST "
                     f"({compiler.process(sa.bindparam(None, query, type_=sa.String), **kw)} IN BOOLEAN MODE))")
    # a word begins after any non-letter (SYAFI'I has the words SYAFI and I), as in the index
    key = compiler.process(Resident.__table__.c.name_key, **kw)
    parts.extend(f"{key} REGEXP {compiler.process(sa.bindparam(None, f'(^|[^[:alnum:]]){w}', type_=sa.String), **kw)}"
                 for w in rest)
    # in parentheses: MySQL has no boolean type, SQLAlchemy may add "= 1"
    return f"({' AND '.join(parts)})"


def resident_id_by_nik(session: Any, nik: str) -> int | None:
    """The id of the resident holding ``nik`` (any kecamatan: a NIK is unique nationwide)."""
    return session.execute(sa.select(Resident.id).where(Resident.nik == nik)).scalar_one_or_none()


def visit_result_count(session: Any, resident_id: int) -> int:
    """In how many visit results the resident appears."""
    return int(session.execute(
        sa.select(sa.func.count()).select_from(VisitResult).where(VisitResult.resident_id == resident_id)
    ).scalar_one())


def resident_visit_results(session: Any, resident_id: int) -> list[VisitResult]:
    """The resident's visit results with their visits, latest first (the details page)."""
    return list(session.execute(
        sa.select(VisitResult)
        .join(VisitResult.visit)
        .where(VisitResult.resident_id == resident_id)
        .options(joinedload(VisitResult.visit).joinedload(Visit.desa),
                 joinedload(VisitResult.visit).joinedload(Visit.kecamatan))
        .order_by(Visit.day.desc(), Visit.start_time.desc(), VisitResult.id.desc())
    ).scalars())


def count_rows(session: Any, model: Any, condition: Any) -> int:
    """How many rows of ``model`` meet ``condition``."""
    return int(session.execute(sa.select(sa.func.count()).select_from(model).where(condition)).scalar_one())
