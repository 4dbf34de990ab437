"""Printed reports (PDF, A4, Chinese font embedded) and their XLSX tables.

- :mod:`.daily` — 值班日报 for one local date;
- :mod:`.period` — period statistics (week / month / any range) with charts;
- :mod:`.warning_record` — 劝阻登记表, everything about one warning;
- :mod:`.script_effectiveness` — script and objection-handler success rates (复盘);
- :mod:`.quality` — 话务质检报告, review averages per operator and per rubric item.

Every figure comes from :func:`console.services.stats.figures.compute_stats`, the same object
``dissuade stats --json`` prints, with the 统计口径 of :mod:`console.services.stats.definitions`
under each table.  Each builder takes a ``progress(percent, message)`` callback and writes a 'print'
audit entry; the warning record shows personal data only on an explicit, audited reveal.  A new
report is a module here with a ``build_*`` function and an entry in the CLI's ``REPORT_BUILDERS``.
"""
