"""SMS warnings: settings and templates, the gateway interface with its SMPP 3.4 client, encoding
(UCS-2, concatenation, flash), sending rules (rate limits, quiet hours, opt-out) and the send service."""
