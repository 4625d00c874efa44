"""Stored files: the `Storage` protocol, its local implementation, signed URLs and the
`/v1/files/...` routes that serve them (see docs/storage.md)."""

from genfire_server.storage.base import (
    InvalidKey,
    ObjectNotFound,
    ObjectTooLarge,
    Storage,
    StorageError,
)
from genfire_server.storage.local import LocalStorage

__all__ = [
    "InvalidKey",
    "LocalStorage",
    "ObjectNotFound",
    "ObjectTooLarge",
    "Storage",
    "StorageError",
]
