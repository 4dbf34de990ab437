"""话务质检: call quality review against the rubric in ``ctx.settings.supervision`` (see :mod:`.calls`)."""
