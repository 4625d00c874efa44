"""The problems file URLs, uploads and input URLs answer with."""

from __future__ import annotations

from genfire_server.kit.errors import GenFireError


class InvalidSignature(GenFireError):
    status = 403
    code = "invalid_signature"

    def __init__(
        self, detail: str = "The file URL's signature is missing or does not match."
    ) -> None:
        super().__init__(detail)


class UrlExpired(GenFireError):
    status = 403
    code = "url_expired"

    def __init__(self, detail: str = "The file URL has expired.") -> None:
        super().__init__(detail)


class ContentTypeMismatch(GenFireError):
    # 403, as a signed-URL storage layer answers a request that breaks the signed terms.
    status = 403
    code = "content_type_mismatch"


class SizeMismatch(GenFireError):
    status = 400
    code = "size_mismatch"


class UploadTooLarge(GenFireError):
    status = 400
    code = "upload_too_large"


class InvalidSizeBytes(GenFireError):
    status = 400
    code = "invalid_size_bytes"


class EmptyUpload(GenFireError):
    status = 400
    code = "empty_upload"


class AlreadyUploaded(GenFireError):
    status = 409
    code = "already_uploaded"


class UploadInProgress(GenFireError):
    status = 409
    code = "upload_in_progress"


class RangeNotSatisfiable(GenFireError):
    status = 416
    code = "range_not_satisfiable"

    def __init__(self, size: int) -> None:
        super().__init__(
            f"The requested range is outside the file ({size} bytes).",
            headers={"Content-Range": f"bytes */{size}"},
        )


class InvalidInputUrl(GenFireError):
    """A URL of this server's own storage that cannot be used as an input."""

    status = 400
    code = "invalid_input_url"
