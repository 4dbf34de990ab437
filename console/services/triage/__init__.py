"""Risk scoring of warnings: one explainable scorer."""
