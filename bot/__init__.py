"""Composition root: settings, the web app, the outbox relay and the command line."""
