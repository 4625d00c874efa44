"""`GET /models`, `GET /models/pricing`, `GET /models/{modelId}`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from genfire_server.auth.dependencies import require
from genfire_server.auth.principal import Principal
from genfire_server.catalog.schemas import Model, ModelList, ModelPrice, ModelPriceList
from genfire_server.dependencies import Context
from genfire_server.kit.errors import InvalidModel, ValidationFailed
from genfire_server.kit.responses import errors

router = APIRouter(tags=["Discovery"])
ModelsRead = Annotated[Principal, Depends(require("models:read"))]


@router.get(
    "/models",
    summary="List public model aliases",
    response_model=ModelList,
    response_model_exclude_unset=True,
    responses=errors(400, 401, 403),
)
async def list_models(
    ctx: Context,
    _principal: ModelsRead,
    capability: Annotated[
        str | None, Query(description="Only models of this capability, e.g. `video_generation`.")
    ] = None,
) -> ModelList:
    """List public model aliases with their limits and supported input combinations."""
    if capability is not None and capability not in ctx.catalog.capabilities():
        raise ValidationFailed(
            f"capability: unknown capability '{capability}'. "
            f"Known: {', '.join(ctx.catalog.capabilities())}."
        )
    return ModelList.model_validate(
        {
            "object": "list",
            "data": [model.document for model in ctx.catalog.by_capability(capability)],
        }
    )


@router.get(
    "/models/pricing",
    summary="Get per-model pricing",
    response_model=ModelPriceList,
    response_model_exclude_none=True,
    responses=errors(401, 403),
)
async def list_model_pricing(ctx: Context, _principal: ModelsRead) -> ModelPriceList:
    """Credits charged per unit for every model, with a note where a multiplier applies."""
    return ModelPriceList(
        data=[
            ModelPrice(
                model=price.model,
                capability=price.capability,
                unit=price.unit,
                credits=price.credits,
                operation_key=price.operation_key,
                notes=price.notes,
            )
            for price in ctx.catalog.prices
        ]
    )


@router.get(
    "/models/{modelId}",
    summary="Get a model alias by id",
    response_model=Model,
    response_model_exclude_unset=True,
    responses=errors(401, 403, 404),
)
async def get_model(modelId: str, ctx: Context, _principal: ModelsRead) -> Model:
    """One model alias by id."""
    model = ctx.catalog.get(modelId)
    if model is None:
        raise InvalidModel(
            f"Unknown model '{modelId}'. List the aliases with GET /v1/models.", status=404
        )
    return Model.model_validate(model.document)
