"""After commit: the outbox relay, its senders, service windows, message rendering, reminders, the worker."""
