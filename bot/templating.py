"""The one Jinja2 environment, and the only reader of templates/: pages and messages."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, Template, TemplateNotFound, select_autoescape


@cache
def environment() -> Environment:
    """HTML is escaped, chat text is not; a parameter a template names but is not given is an error."""
    return Environment(
        loader=PackageLoader("templates", ""),
        autoescape=select_autoescape(["html"], default_for_string=False, default=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,  # a page is served byte for byte; chat messages are stripped anyway
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
