"""Who may use the console: login, lockout, session policy and the idle lock."""
