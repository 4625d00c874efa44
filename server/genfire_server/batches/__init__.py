"""Batches: many workflow or generation items, run with bounded concurrency."""
