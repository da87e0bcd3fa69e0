"""Read the store file named by the settings; any problem stops start-up with a clear message."""

from __future__ import annotations

from bot.setup.settings import Settings
from orders.store import StoreConfig, StoreConfigError, parse_store_config


def load_store(settings: Settings) -> StoreConfig:
    path = settings.store_file()
    if path is None:
        return StoreConfig()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StoreConfigError(f"{path}: cannot read the store file ({exc.strerror})") from None
    return parse_store_config(text, source=str(path))
