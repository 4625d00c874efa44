"""The delivery log keeps finished deliveries for 30 days; pending ones stay until sent."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from genfire_server.context import AppContext
from genfire_server.kit.clock import utcnow
from genfire_server.kit.db import Database
from genfire_server.kit.ids import new_id
from genfire_server.models import WebhookDelivery, WebhookEndpoint
from tests.conftest import Caller


async def test_housekeeping_forgets_finished_deliveries_after_30_days(
    ctx: AppContext, caller: Caller, db: Database
) -> None:
    now = utcnow()
    endpoint_id = new_id("wh")
    async with db.write() as session:
        session.add(
            WebhookEndpoint(
                id=endpoint_id,
                account_id=caller.account_id,
                url="https://example.com/hooks",
                description=None,
                status="active",
                events=["run.completed"],
                secret_salt="00",
                secret_preview="gfwsec_0000...0000",
                disabled_reason=None,
                created_at=now,
                updated_at=now,
                last_delivery_at=None,
            )
        )
        await session.flush()
        ages = {"old-success": 31, "old-failed": 40, "old-pending": 31, "recent": 29}
        for name, days in ages.items():
            session.add(
                WebhookDelivery(
                    id=new_id("delivery"),
                    account_id=caller.account_id,
                    endpoint_id=endpoint_id,
                    event_id=name,
                    event_type="run.completed",
                    run_id=None,
                    batch_id=None,
                    payload="{}",
                    status="pending" if name == "old-pending" else name.split("-")[-1],
                    attempt_count=1,
                    max_attempts=6,
                    response_status=None,
                    response_body=None,
                    last_error=None,
                    request_headers={},
                    lease_owner=None,
                    lease_expires_at=None,
                    created_at=now - timedelta(days=days),
                    updated_at=now,
                    last_attempt_at=None,
                    next_attempt_at=now + timedelta(days=1),
                    delivered_at=None,
                )
            )
    await ctx.executor.housekeeping()
    async with db.read() as session:
        kept = set(await session.scalars(select(WebhookDelivery.event_id)))
    assert kept == {"old-pending", "recent"}
