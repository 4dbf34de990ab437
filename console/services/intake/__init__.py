"""Warning intake: read upstream exports and manual reports, normalise, merge repeats, quarantine the rest."""
