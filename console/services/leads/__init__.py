"""What a dissuasion call captures besides its outcome: leads, stop-payment facts, a relative's contact."""
