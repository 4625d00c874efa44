"""All tables, imported here so `Base.metadata` is complete for Alembic and tests."""

from genfire_server.models.accounts import Account
from genfire_server.models.assets import Asset
from genfire_server.models.base import Base
from genfire_server.models.batches import Batch, BatchItem
from genfire_server.models.credentials import ApiKey, OAuthClient
from genfire_server.models.credits import CreditBalance, CreditHold, CreditLedgerEntry
from genfire_server.models.idempotency import IdempotencyKey
from genfire_server.models.influencers import Influencer
from genfire_server.models.product_pages import ProductPage
from genfire_server.models.projects import Project
from genfire_server.models.runs import Run
from genfire_server.models.voices import Voice
from genfire_server.models.webhooks import WebhookDelivery, WebhookEndpoint

__all__ = [
    "Account",
    "ApiKey",
    "Asset",
    "Base",
    "Batch",
    "BatchItem",
    "CreditBalance",
    "CreditHold",
    "CreditLedgerEntry",
    "IdempotencyKey",
    "Influencer",
    "OAuthClient",
    "ProductPage",
    "Project",
    "Run",
    "Voice",
    "WebhookDelivery",
    "WebhookEndpoint",
]
