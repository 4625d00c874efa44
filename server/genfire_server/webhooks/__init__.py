"""Webhooks: endpoints, signed deliveries, retries, the delivery log and replay."""
