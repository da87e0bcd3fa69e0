"""The one Jinja2 environment, and the only reader of templates/: pages, messages, phrases, word lists."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from jinja2 import (
    Environment,
    PackageLoader,
    StrictUndefined,
    Template,
    TemplateNotFound,
    meta,
    select_autoescape,
)

from flows.lexicon import Lexicon
from flows.phrases import Phrase, Phrasebook


@cache
def environment() -> Environment:
    """HTML is escaped, chat text is not; a parameter a template names but is not given is an error."""
    return Environment(
        loader=PackageLoader("templates", ""),
        autoescape=select_autoescape(["html"], default_for_string=False, default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,  # a page is served byte for byte; chat messages are stripped anyway
        # Templates ship with the package and change only with it: compiled once, never checked again
        # (checking cost two file-system calls per message sent, ~2 % of a chat turn's CPU).
        auto_reload=False,
    )


def render_page(name: str, **params: object) -> str:
    """A page below templates/html/ (the web chat, later the dashboard)."""
    return environment().get_template(f"html/{name}").render(**params)


def message_template(language: str, name: str) -> Template | None:
    """templates/messages/<language>/<name>.txt, or None when that language has no such message."""
    try:
        return environment().get_template(f"messages/{language}/{name}.txt")
    except TemplateNotFound:
        return None


def load_phrases(folder: Traversable | None = None) -> Phrasebook:
    """templates/phrases/<lang>.toml (or the same files in `folder`), compiled."""
    return compile_phrases(language_tables("phrases", folder))


def load_lexicon(folder: Traversable | None = None) -> Lexicon:
    """templates/words/<lang>.toml (or the same files in `folder`), every language merged."""
    return Lexicon(language_tables("words", folder))


def language_tables(kind: str, folder: Traversable | None = None) -> dict[str, dict[str, object]]:
    """templates/<kind>/<lang>.toml (or the .toml files in `folder`), by language code."""
    files = folder or resources.files("templates").joinpath(kind)
    return {
        entry.name.removesuffix(".toml"): tomllib.loads(entry.read_text(encoding="utf-8"))
        for entry in files.iterdir()
        if entry.name.endswith(".toml")
    }


def compile_phrases(by_language: Mapping[str, Mapping[str, object]]) -> Phrasebook:
    """Each phrase compiled once; one without placeholders stays a plain string, never rendered again."""
    return Phrasebook(
        {
            language: {key: _phrase(language, key, source) for key, source in book.items()}
            for language, book in by_language.items()
        }
    )


def _phrase(language: str, key: str, source: object) -> Phrase:
    if not isinstance(source, str):
        raise ValueError(f"phrases for {language!r}: {key} must be text")
    env = environment()
    template = env.from_string(source)  # a syntax error stops start-up, not a conversation
    # Each render copies the template's globals into its context; copying Jinja2's default ChainMap made
    # a phrase cost 7.4 µs instead of 2.9 µs with a plain dict (the phrasebook is on every turn's path).
    template.globals = dict(template.globals)
    if meta.find_undeclared_variables(env.parse(source)):
        return template.render
    return template.render()
