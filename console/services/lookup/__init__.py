"""Finding people: the search box and the person view (every warning, call, escalation and follow-up)."""
