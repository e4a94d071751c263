"""Reviewers' corrections: append-only records that override predictions."""
