"""Rehearsal against simulated victims and the trainer's case review."""
