"""After-case follow-up: the revisit programme and its scheduler."""
