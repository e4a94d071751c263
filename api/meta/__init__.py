"""Taxonomy, registry summary, health, readiness and metrics."""
