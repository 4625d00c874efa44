"""GenFire Server: a self-hostable implementation of the GenFire Public API."""

__version__ = "0.1.0"
