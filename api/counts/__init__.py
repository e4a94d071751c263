"""/v1/counts: effective themes counted by theme, area, period and source."""
