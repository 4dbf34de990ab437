"""Escalation to police stations: orders, drafts, views, stations and their settings."""
