"""Workflows: outcome-level runs that write ad scripts and storyboards."""
