"""Every HTTP face: the app factory, provider webhooks, the REST API, the web chat (and the dashboard)."""
