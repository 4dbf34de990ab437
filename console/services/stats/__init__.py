"""Figures for the board and the reports, one definition each."""
