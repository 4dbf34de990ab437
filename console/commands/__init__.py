"""Subcommand groups of the ``dissuade`` command, one module each.

Each module exposes ``register(subparsers)``; it adds its parser(s) and sets ``func`` to a handler
``handler(args) -> int`` (the exit code).  ``args.db`` holds the ``--db`` URL (or None).
"""

COMMAND_MODULES = [
    "console.commands.database",
    "console.commands.demo",
    "console.commands.users",
    "console.commands.scripts",
    "console.commands.training",
    "console.commands.tts",
    "console.commands.sms",
    "console.commands.security",
    "console.commands.queue",
    "console.commands.search",
    "console.commands.warnings",
    "console.commands.intake",
    "console.commands.stats",
    "console.commands.leads",
    "console.commands.escalation",  # before report: it adds the escalation sheet to REPORT_BUILDERS
    "console.commands.report",
    "console.commands.phone",
    "console.commands.voice",
    "console.commands.simulate",
]
