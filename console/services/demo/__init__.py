"""Realistic synthetic data for demos and training databases."""
