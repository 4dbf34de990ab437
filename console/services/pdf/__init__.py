"""Printed sheets (PDF): the shared font and layout foundation plus the individual documents.

:mod:`.fonts` finds and embeds a Chinese TrueType font; :mod:`.styles` gives A4 page setup,
paragraph and table styles and :func:`.styles.build_pdf`.  Documents (the escalation dispatch sheet,
duty reports …) live in their own modules and build on those two.
"""
