"""Blob stores: one interface over `file://` and `s3://` URIs."""

from shared.storage.base import BlobNotFound, BlobStore, split_s3_uri
from shared.storage.routing import RoutingBlobStore, open_blob_store

__all__ = ["BlobNotFound", "BlobStore", "RoutingBlobStore", "open_blob_store", "split_s3_uri"]
