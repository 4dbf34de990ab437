"""The risk-ranked queue: claims, its SQL, supervisor administration, live change watching."""
