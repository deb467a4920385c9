"""One module per settings section; ``config.settings.Settings`` puts them together."""
