"""Shift simulation: a whole shift run through the real services on a throw-away copy of the database."""
