"""Engines execute runs: built-in local engines by default, upstream providers when configured."""
