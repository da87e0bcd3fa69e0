"""Every CHATCART_* environment variable as one settings class, built by the app factory and the CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_STORE_FILE = Path("chatcart.toml")


class Settings(BaseSettings):
    """Every `CHATCART_*` environment variable; secrets stay `SecretStr` until a builder unwraps them."""

    model_config = SettingsConfigDict(env_prefix="CHATCART_", env_ignore_empty=True, extra="ignore")

    database_url: str = "sqlite+aiosqlite:///chatcart.db"
    redis_url: str | None = None
    store_config: Path | None = None
    api_token: SecretStr | None = None

    telegram_token: SecretStr | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_admin_chat_id: str | None = None

    whatsapp_phone_id: str | None = None
    whatsapp_token: SecretStr | None = None
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_verify_token: SecretStr | None = None
    whatsapp_api_url: str = "https://graph.facebook.com"
    whatsapp_admin_number: str | None = None

    meta_page_token: SecretStr | None = None
    meta_app_secret: SecretStr | None = None
    meta_verify_token: SecretStr | None = None
    meta_api_url: str = "https://graph.facebook.com"

    stripe_secret_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_url: str = "https://api.stripe.com"
    # Where shoppers and Stripe reach this server: pay links and the checkout's return pages.
    public_url: str = "http://127.0.0.1:8000"

    merchant_webhook_url: str | None = None
    merchant_webhook_secret: SecretStr | None = None

    # The optional AI assistant (off unless a URL and a model are set): any OpenAI-compatible server.
    llm_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None
    llm_timeout: float = Field(default=3.0, gt=0, le=30)  # seconds; past it the rules answer

    # on|off. The test chat at /chat places real orders for anyone who reaches it: `make run` turns it on.
    web_chat: bool = False

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["text", "json"] = "text"

    @field_validator("log_level", mode="before")
    @classmethod
    def _level_in_any_case(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _format_in_any_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    def store_file(self) -> Path | None:
        """The store file to read: the configured one, else ./chatcart.toml when present."""
        if self.store_config is not None:
            return self.store_config
        return DEFAULT_STORE_FILE if DEFAULT_STORE_FILE.is_file() else None
