"""Runs: durable asynchronous work, from request to result."""
