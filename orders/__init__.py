"""Orders: statuses, order records, services, persistence, outbox and notifications."""
