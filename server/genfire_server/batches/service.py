"""Creating, reading and rendering batches.

Creating a batch validates and prices every item first, then, in one transaction, holds
each item's price (all or nothing: 402 and nothing written if the balance is short) and
inserts the batch and its items. Runs are created later, by `progress`, as slots free up.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import pydantic
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from genfire_server.auth.principal import Principal
from genfire_server.batches import targets
from genfire_server.batches.schemas import (
    BatchCreate,
    BatchCreated,
    BatchItemOut,
    BatchOut,
)
from genfire_server.context import AppContext
from genfire_server.credits import service as credits
from genfire_server.idempotency.service import Claim
from genfire_server.kit.clock import utcnow
from genfire_server.kit.error_handlers import describe_validation_errors
from genfire_server.kit.errors import GenFireError, NotFound
from genfire_server.kit.ids import new_id
from genfire_server.models import Batch, BatchItem
from genfire_server.runs.schemas import RunError
from genfire_server.runs.service import RunSpec


def _item_error(index: int, error: Exception) -> GenFireError:
    """The target's own error, with the item it came from in front."""
    where = f"items[{index}].input"
    if isinstance(error, pydantic.ValidationError):
        located = [
            {**detail, "loc": ("items", index, "input", *detail.get("loc", ()))}
            for detail in error.errors()
        ]
        return GenFireError(describe_validation_errors(located), code="validation_error")
    assert isinstance(error, GenFireError)
    return GenFireError(
        f"{where}: {error.detail}", status=error.status, code=error.code, headers=error.headers
    )


async def _validated(
    ctx: AppContext, principal: Principal, body: BatchCreate
) -> list[tuple[RunSpec, dict[str, Any]]]:
    target = targets.resolve(ctx, body.mode, body.target)
    if not principal.allows(target.scope):
        raise GenFireError(
            f"Batches of {target.key} need the scope '{target.scope}' as well as "
            "'batches:write', and the credential does not have it.",
            status=403,
            code="insufficient_scope",
        )
    built = []
    for index, item in enumerate(body.items):
        try:
            built.append(await target.build(ctx, principal.account_id, item.input))
        except (pydantic.ValidationError, GenFireError) as error:
            raise _item_error(index, error) from None
    return built


async def create(
    ctx: AppContext, principal: Principal, request_id: str, body: BatchCreate, claim: Claim
) -> BatchCreated:
    """Validate every item as its target would (the first failure is the answer, naming
    its index), hold every item's price, and store the batch, queued."""
    built = await _validated(ctx, principal, body)
    account_id = principal.account_id
    batch_id = new_id("batch")
    now = utcnow()
    batch = Batch(
        id=batch_id,
        account_id=account_id,
        mode=body.mode,
        target=body.target,
        status="queued",
        concurrency=body.concurrency,
        total_items=len(built),
        completed_items=0,
        failed_items=0,
        input_summary={"mode": body.mode, "target": body.target, "item_count": len(built)},
        output=None,
        error_code=None,
        error_message=None,
        request_id=request_id,
        created_at=now,
        updated_at=now,
        completed_at=None,
    )
    item_ids = [new_id("batch_item") for _ in built]
    async with ctx.db.write() as session:
        priced = [
            (spec.price_milli, item_id)
            for item_id, (spec, _summary) in zip(item_ids, built, strict=True)
            if spec.price_milli > 0
        ]
        hold_ids = dict(
            zip(
                (item_id for _price, item_id in priced),
                await credits.hold_many(session, account_id, priced),
                strict=True,
            )
        )
        session.add(batch)
        await session.flush()
        rows = [
            {
                "id": item_id,
                "batch_id": batch_id,
                "index": index,
                "status": "queued",
                "spec": asdict(spec),
                "input_summary": summary,
                "hold_id": hold_ids.get(item_id),
                "run_id": None,
                "output": None,
                "charged_milli": None,
                "error_code": None,
                "error_message": None,
                "created_at": now,
                "updated_at": now,
                "completed_at": None,
            }
            for index, (item_id, (spec, summary)) in enumerate(zip(item_ids, built, strict=True))
        ]
        await session.execute(insert(BatchItem), rows)
        await claim.record(session, batch_id)
    return with_items(batch, [BatchItem(**row) for row in rows])


async def created_earlier(session: AsyncSession, account_id: str, batch_id: str) -> BatchCreated:
    """The batch an earlier attempt with the same Idempotency-Key stored before it died,
    as it stands now."""
    batch = await get(session, account_id, batch_id)
    return with_items(batch, await list_items(session, batch, status=None))


# --- reading ----------------------------------------------------------------------------


async def get(session: AsyncSession, account_id: str, batch_id: str) -> Batch:
    """One of the account's batches; another account's is as absent as a missing one."""
    batch = await session.get(Batch, batch_id)
    if batch is None or batch.account_id != account_id:
        raise NotFound(f"No batch {batch_id[:64]}.")
    return batch


async def list_batches(
    session: AsyncSession,
    account_id: str,
    *,
    status: str | None,
    mode: str | None,
    target: str | None,
    limit: int,
) -> list[Batch]:
    """The account's batches, newest first."""
    query = select(Batch).where(Batch.account_id == account_id)
    if status is not None:
        query = query.where(Batch.status == status)
    if mode is not None:
        query = query.where(Batch.mode == mode)
    if target is not None:
        query = query.where(Batch.target == target)
    query = query.order_by(Batch.created_at.desc(), Batch.id.desc()).limit(limit)
    return list(await session.scalars(query))


async def list_items(session: AsyncSession, batch: Batch, *, status: str | None) -> list[BatchItem]:
    # The stored run spec (the item's whole input) is not shown: not loaded either.
    query = select(BatchItem).options(defer(BatchItem.spec)).where(BatchItem.batch_id == batch.id)
    if status is not None:
        query = query.where(BatchItem.status == status)
    return list(await session.scalars(query.order_by(BatchItem.index)))


# --- rendering --------------------------------------------------------------------------


def _error(status: str, code: str | None, message: str | None) -> RunError | None:
    if status != "failed":
        return None
    return RunError(code=code or "internal_error", message=message or "")


def _batch_fields(batch: Batch) -> dict[str, Any]:
    return {
        "id": batch.id,
        "mode": batch.mode,
        "target": batch.target,
        "status": batch.status,
        "total_items": batch.total_items,
        "completed_items": batch.completed_items,
        "failed_items": batch.failed_items,
        "concurrency": batch.concurrency,
        "input_summary": batch.input_summary,
        "output": batch.output,
        "error": _error(batch.status, batch.error_code, batch.error_message),
        "created_at": batch.created_at,
        "updated_at": batch.updated_at,
        "completed_at": batch.completed_at,
    }


def _item_fields(item: BatchItem, batch: Batch) -> dict[str, Any]:
    return {
        "id": item.id,
        "batch_id": item.batch_id,
        "index": item.index,
        "target": batch.target,
        "status": item.status,
        "run_id": item.run_id,
        "input_summary": item.input_summary,
        "output": item.output if item.status == "completed" else None,
        "error": _error(item.status, item.error_code, item.error_message),
        "created_at": item.created_at,
        "updated_at": item.updated_at,
        "completed_at": item.completed_at,
    }


def with_items(batch: Batch, items: list[BatchItem]) -> BatchCreated:
    """`POST /batches`' answer: the batch and every item."""
    rendered = [render_item(item, batch) for item in items]
    return BatchCreated.model_validate({**_batch_fields(batch), "items": rendered})


def render(batch: Batch) -> BatchOut:
    return BatchOut.model_validate(_batch_fields(batch))


def render_item(item: BatchItem, batch: Batch) -> BatchItemOut:
    return BatchItemOut.model_validate(_item_fields(item, batch))
