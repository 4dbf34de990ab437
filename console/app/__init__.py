"""Composition root: builds the settings, the database and the service context."""
