"""Settings, the store file, wiring the services together, and start-up checks."""
