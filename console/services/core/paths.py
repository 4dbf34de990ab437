"""Where the console's bundled resources live (settings, scripts, fonts, translations)."""

from __future__ import annotations

from pathlib import Path

RESOURCES = Path(__file__).resolve().parents[3] / "resources"
