"""Wire shapes of `POST /uploads` and of the PUT to an `upload_url`."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, WithJsonSchema

from genfire_server.kit.responses import Timestamp


class UploadCreate(BaseModel):
    filename: str = Field(
        description="Original filename. The extension is preserved in the stored object path.",
        examples=["reference.png"],
    )
    content_type: str = Field(
        default="application/octet-stream",
        description="MIME type for the upload. Pinned into the signed URL: the PUT must "
        "send the same `Content-Type`.",
        examples=["image/png"],
    )
    # Checked by the service rather than by pydantic, so a bad value is answered with the
    # contract's `invalid_size_bytes` instead of a generic `validation_error`.
    size_bytes: Annotated[
        Any,
        WithJsonSchema({"type": ["integer", "null"], "minimum": 1, "examples": [124000]}),
    ] = Field(
        default=None,
        description="Optional declared file size. Rejected if greater than the 5 GB ceiling; "
        "when given, the PUT must send exactly this many bytes.",
    )


class UploadOut(BaseModel):
    asset_id: str = Field(examples=["asset_01jd0x7k2m9q4r8s6t3v5w1y0z"])
    upload_url: str = Field(description="PUT the file's bytes here, once, before `expires_at`.")
    asset_url: str = Field(
        description="A 7-day signed GET URL of the file; pass it as `image_url`, `video_url` "
        "or `audio_url`."
    )
    content_type: str = Field(examples=["image/png"])
    expires_at: Timestamp = Field(description="When `upload_url` stops accepting the PUT.")


class UploadReceived(BaseModel):
    """The answer to a successful PUT to an `upload_url`."""

    asset_id: str = Field(examples=["asset_01jd0x7k2m9q4r8s6t3v5w1y0z"])
    size_bytes: int = Field(examples=[124000])
    content_type: str = Field(examples=["image/png"])
