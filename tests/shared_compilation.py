"""Compile once per test run what every test's app compiles alike.

Each test builds its own app (fresh configuration, fresh state), and building
one is mostly compiling: Werkzeug compiles a URL builder (Python source through
``compile``) for each of the ~125 rules, and Jinja compiles every template
again on an app's first requests, because each app has its own environment.
Both results depend only on their input (the rule's text and defaults; the
template's source), so one run shares them across apps: Werkzeug's builders
through a memo keyed on exactly what ``Rule._compile_builder`` reads, Jinja's
through its own bytecode cache (keyed on the template's name and source
checksum). What the tests check is unchanged; a test run is faster.
"""
from __future__ import annotations

import functools
from typing import Any

import flask
import jinja2
from werkzeug.routing import Rule


class _TemplateCode(jinja2.BytecodeCache):
    """Jinja's bytecode cache in this process's memory, keyed also on what of an
    environment's settings changes the compiled code (apps of host portals in the
    embedding tests may differ in them)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def get_bucket(self, environment: jinja2.Environment, name: str, filename: str | None,
                   source: str) -> jinja2.bccache.Bucket:
        autoescape = environment.autoescape
        settings = (
            tuple(sorted(environment.extensions)),
            getattr(autoescape, "__qualname__", repr(autoescape)),
            environment.block_start_string, environment.block_end_string,
            environment.variable_start_string, environment.variable_end_string,
            environment.comment_start_string, environment.comment_end_string,
            environment.line_statement_prefix, environment.line_comment_prefix,
            environment.trim_blocks, environment.lstrip_blocks, environment.newline_sequence,
            environment.keep_trailing_newline, environment.optimized,
        )
        key = f"{self.get_cache_key(name, filename)}|{settings!r}"
        bucket = jinja2.bccache.Bucket(environment, key, self.get_source_checksum(source))
        self.load_bytecode(bucket)
        return bucket

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


def _share_url_builders() -> None:
    """Memoise ``Rule._compile_builder``: the function it compiles reads the rule's
    converters through its ``self`` argument when called, so one function serves
    every rule with the same trace, defaults and converters (bound to each rule by
    Werkzeug as before)."""
    compile_builder = getattr(Rule, "_compile_builder", None)
    if compile_builder is None:  # a Werkzeug without it: nothing is shared
        return
    builders: dict[tuple[Any, ...], Any] = {}

    @functools.wraps(compile_builder)
    def shared(self: Rule, append_unknown: bool = True) -> Any:
        key = (
            tuple(self._trace),
            repr(sorted((self.defaults or {}).items())),
            tuple(sorted((name, type(converter).__name__) for name, converter in self._converters.items())),
            append_unknown,
        )
        builder = builders.get(key)
        if builder is None:
            builder = builders[key] = compile_builder(self, append_unknown)
        return builder

    Rule._compile_builder = shared  # type: ignore[method-assign]


def share_compiled_code() -> None:
    """Install both for this process (called once, from conftest)."""
    flask.Flask.jinja_options = {**flask.Flask.jinja_options, "bytecode_cache": _TemplateCode()}
    _share_url_builders()
