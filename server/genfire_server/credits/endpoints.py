"""`GET /account/credits`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from genfire_server.auth.dependencies import require
from genfire_server.auth.principal import Principal
from genfire_server.credits import service
from genfire_server.credits.amounts import to_public
from genfire_server.credits.schemas import CreditBalanceOut
from genfire_server.dependencies import context_of
from genfire_server.kit.responses import errors

router = APIRouter(tags=["Account"])
CreditsRead = Annotated[Principal, Depends(require("credits:read"))]


@router.get(
    "/account/credits",
    summary="Get the current credit balance",
    response_model=CreditBalanceOut,
    responses=errors(401, 403),
)
async def get_credit_balance(request: Request, principal: CreditsRead) -> CreditBalanceOut:
    """The account's spendable credit balance."""
    balance = await service.current_balance(context_of(request).db, principal.account_id)
    return CreditBalanceOut(account_id=principal.account_id, balance=to_public(balance))
