"""Text in, annotations out: taxonomy, areas, normalisation, PII and places."""
