"""`GET /account`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from genfire_server.accounts import service
from genfire_server.accounts.schemas import AccountOut
from genfire_server.auth.dependencies import require
from genfire_server.auth.principal import Principal
from genfire_server.dependencies import Session
from genfire_server.kit.responses import errors

router = APIRouter(tags=["Account"])
AccountRead = Annotated[Principal, Depends(require("account:read"))]


@router.get(
    "/account",
    summary="Get the authenticated account",
    response_model=AccountOut,
    responses=errors(401, 403),
)
async def get_account(session: Session, principal: AccountRead) -> AccountOut:
    """The account the calling API key or OAuth client belongs to."""
    account = await service.get_account(session, principal.account_id)
    return AccountOut.model_validate(account, from_attributes=True)
