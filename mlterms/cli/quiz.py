"""The quiz command (being written)."""
