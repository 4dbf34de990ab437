"""A warning's effective risk level: a supervisor's override when there is one, else the triage level.

One rule for Python and SQL: :func:`effective_level` for a loaded warning (:func:`with_override` for
a level just computed), :func:`effective_level_sql` for a query over the ``warnings`` table.
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import func

from db.models import Warning


class HasLevels(Protocol):
    @property
    def risk_level(self) -> str: ...

    @property
    def level_override(self) -> str | None: ...


def with_override(level: str, override: str | None) -> str:
    """The level a warning at triage ``level`` is worked at (the override wins; an empty one counts as none)."""
    return override or level


def effective_level(warning: HasLevels) -> str:
    """The level the warning is worked at."""
    return with_override(warning.risk_level, warning.level_override)


def effective_level_sql(warnings: Any = Warning) -> Any:
    """The same rule as a column expression over ``warnings`` (the mapped class, an alias or the table)."""
    columns = getattr(warnings, "c", warnings)
    return func.coalesce(func.nullif(columns.level_override, ""), columns.risk_level)


__all__ = ["HasLevels", "effective_level", "effective_level_sql", "with_override"]
