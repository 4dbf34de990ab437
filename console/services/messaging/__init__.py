"""Speech synthesis for rehearsals and automated warnings."""
