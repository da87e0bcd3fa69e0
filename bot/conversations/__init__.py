"""Conversation state behind one async storage protocol (SQL, Redis, in memory); per-conversation locks."""
