"""Labelled data, its validation and splits, training runs and evaluation."""
