"""The generation endpoints: validate a request against the catalog, price it, run it."""
