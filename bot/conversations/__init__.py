"""Conversation state behind one async storage protocol (SQL, and in memory as the reference); locks."""
