"""Automated voice warnings (语音提示预警): messages, one automated call, and the campaign that runs them."""
