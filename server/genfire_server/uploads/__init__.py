"""`POST /uploads`: signed upload URLs, and accepting the one PUT each allows."""
