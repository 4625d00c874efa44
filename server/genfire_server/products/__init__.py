"""Product pages turned into structured product data for `POST /v1/products/extract`."""
