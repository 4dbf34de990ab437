"""Dissuasion Console (预警劝阻工作台)."""

__version__ = "0.2.0"  # the one place the version lives: pyproject, the package, --version and About read it
