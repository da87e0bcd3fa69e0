"""One adapter per chat channel behind `channels.base.Channel`: verify, parse, send within limits."""
