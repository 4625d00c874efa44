"""Offline engines: real files from local libraries, no network, no model downloads."""
