"""Readable rule messages that stay free of Flask.

The domain layer cannot call gettext (it knows nothing of a request's locale), so a
rule returns a :class:`Message`: an English msgid with ``%(name)s`` placeholders and
its parameters. The view layer translates ``text`` through the plugin's catalogue and
then interpolates ``params``. ``N_`` marks the msgids for extraction (babel.cfg).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


def N_(text: str) -> str:
    """Mark ``text`` for translation without translating it (extraction keyword)."""
    return text


@dataclass(frozen=True)
class Message:
    code: str
    text: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.text % dict(self.params) if self.params else self.text


class RuleViolation(ValueError):
    """Raised when a change breaks one or more domain rules."""

    def __init__(self, *messages: Message) -> None:
        self.messages = list(messages)
        super().__init__("; ".join(str(m) for m in messages))
