"""Theme classifiers behind one small interface, their persistence and registry."""
