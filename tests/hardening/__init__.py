"""Tests of the hardening findings (issue 16) and IP bans (issue 13, item 5)."""
