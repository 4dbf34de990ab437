"""Call attempts: the call log, drafts and outbox, the workstation's call state, warning edits."""
