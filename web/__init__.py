"""The web interface: server-rendered pages over the same functions the CLI calls."""
