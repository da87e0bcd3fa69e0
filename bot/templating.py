"""Everything read from templates/: the phrasebook of chat wording per language."""

from __future__ import annotations

import tomllib
from importlib import resources

from flows.phrases import Phrasebook


def load_phrases() -> Phrasebook:
    folder = resources.files("templates").joinpath("phrases")
    books = {
        entry.name.removesuffix(".toml"): tomllib.loads(entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".toml")
    }
    return Phrasebook(books)
