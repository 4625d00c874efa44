"""Copywriters for workflow runs; `local` is the deterministic offline default."""
