"""Where the bytes of attached files and theme logos are kept: a folder on the local disk, or a
bucket of an S3-compatible object store (AWS S3, MinIO, Ceph, ...).

Both stores answer save(bytes) -> key, read(key) -> bytes and delete(key), with keys of 32 random
hex digits (what the database records, whichever store holds the bytes). Their failures are one
of two exceptions, so callers never need to know which store runs: StoreUnavailable (the store
cannot be reached or refuses; nothing was kept) and StoredFileMissing (a key names nothing).
"""
from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Protocol


class StoreUnavailable(Exception):
    """The file store could not be reached, or refused: the operation did not happen."""


class StoredFileMissing(Exception):
    """No bytes are stored under this key (deleted, or lost outside the app)."""


class FileStore(Protocol):
    """What every store offers (LocalFileStore, S3FileStore)."""

    def save(self, data: bytes) -> str: ...
    def read(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...


def new_key() -> str:
    """A fresh storage key: a UUID4's 122 random bits, nothing of the file's name or content."""
    return uuid.uuid4().hex


class LocalFileStore:
    """Files on the local disk, under random names in two levels of folders."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / key

    def save(self, data: bytes) -> str:
        """Write the bytes durably and return their storage key."""
        key = new_key()
        path = self._path(key)
        temporary = path.with_suffix(".part")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(temporary, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            temporary.replace(path)
        except OSError as error:  # a full disk, a read-only or vanished mount
            with suppress(OSError):
                temporary.unlink(missing_ok=True)
            raise StoreUnavailable(str(error)) from error
        return key

    def read(self, key: str) -> bytes:
        """The bytes stored under a key."""
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as error:
            raise StoredFileMissing(key) from error
        except OSError as error:
            raise StoreUnavailable(str(error)) from error

    def delete(self, key: str) -> None:
        """Remove a stored file; a missing one is not an error."""
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as error:
            raise StoreUnavailable(str(error)) from error

    def keys(self) -> Iterator[str]:
        """Every stored file's key (not a half-written .part file), in no particular order."""
        for folder in sorted(self.root.glob("??")):
            for path in folder.iterdir():
                if path.is_file() and path.suffix != ".part" and path.name[:2] == folder.name:
                    yield path.name


class S3FileStore:
    """Objects in a bucket of an S3-compatible store, named PREFIX/KEY (or KEY without a prefix).

    The bucket stays private: the app reads the bytes and serves them itself, with the headers
    that keep a download from acting as a page (widget.downloads), to whoever may see them."""

    def __init__(self, client, bucket: str, prefix: str = ""):
        self.client, self.bucket = client, bucket
        prefix = prefix.strip("/")
        self.prefix = f"{prefix}/" if prefix else ""

    def object_name(self, key: str) -> str:
        """The object's name in the bucket for a storage key."""
        return self.prefix + key

    def save(self, data: bytes) -> str:
        """Put the bytes as a new object and return their storage key."""
        key = new_key()
        self.put(key, data)
        return key

    def read(self, key: str) -> bytes:
        """The bytes of the object under a key."""
        from botocore.exceptions import ClientError
        with _store_errors():
            try:
                return self.client.get_object(Bucket=self.bucket,
                                              Key=self.object_name(key))["Body"].read()
            except ClientError as error:
                if _error_code(error) in ("NoSuchKey", "404"):
                    raise StoredFileMissing(key) from error
                raise

    def delete(self, key: str) -> None:
        """Remove the object; S3 answers a missing one like a deleted one."""
        with _store_errors():
            self.client.delete_object(Bucket=self.bucket, Key=self.object_name(key))

    def put(self, key: str, data: bytes) -> None:
        """Store bytes under a key chosen elsewhere (a file copied from the local folder)."""
        with _store_errors():
            self.client.put_object(Bucket=self.bucket, Key=self.object_name(key), Body=data)

    def sizes(self) -> dict[str, int]:
        """Every stored object's key and size in bytes (the bucket listed under the prefix)."""
        found = {}
        with _store_errors():
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix)
            for page in pages:
                for entry in page.get("Contents", []):
                    found[entry["Key"][len(self.prefix):]] = entry["Size"]
        return found


@contextmanager
def _store_errors():
    """Turn botocore's failures (no connection, a timeout, no credentials, AccessDenied,
    NoSuchBucket, 5xx after the retries) into StoreUnavailable."""
    from botocore.exceptions import BotoCoreError, ClientError
    try:
        yield
    except (BotoCoreError, ClientError) as error:
        code = _error_code(error)
        raise StoreUnavailable(f"{code}: {error}" if code else str(error)) from error


def _error_code(error: Exception) -> str | None:
    # A ClientError carries the store's answer; a connection error has none (response None).
    return (getattr(error, "response", None) or {}).get("Error", {}).get("Code")


def save_all(store: FileStore, blobs: list[bytes]) -> list[str]:
    """Save several files, all or none: when one cannot be saved, those already saved are
    deleted again and StoreUnavailable is raised."""
    keys: list[str] = []
    try:
        for data in blobs:
            keys.append(store.save(data))
    except StoreUnavailable:
        delete_quietly(store, keys)
        raise
    return keys


def delete_quietly(store: FileStore, keys: list[str]) -> None:
    """Delete stored files, ignoring a store that does not answer: an orphan object costs
    storage, never a request."""
    for key in keys:
        try:
            store.delete(key)
        except StoreUnavailable:
            pass


# One client per process and settings: building one takes tens of milliseconds (it loads the
# service's model), and a client is thread-safe once built. Building is not (boto3's sessions
# are not thread-safe), hence the lock.
_s3_clients: dict[tuple, object] = {}
_s3_clients_lock = threading.Lock()


def s3_client(endpoint_url: str, region: str, timeout: float, max_attempts: int):
    """The process's boto3 S3 client for these settings; credentials come from boto3's standard
    chain (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, an instance or task role)."""
    settings = (endpoint_url, region, timeout, max_attempts)
    with _s3_clients_lock:
        client = _s3_clients.get(settings)
        if client is None:
            client = _s3_clients[settings] = _new_s3_client(*settings)
    return client


def _new_s3_client(endpoint_url: str, region: str, timeout: float, max_attempts: int):
    import boto3  # only deployments that use S3 pay for importing it
    from botocore.config import Config
    options = {}
    if endpoint_url:
        # Since botocore 1.36 every upload carries a CRC checksum header that several
        # S3-compatible servers refuse; elsewhere, send checksums only where S3 demands them.
        options = {"request_checksum_calculation": "when_required",
                   "response_checksum_validation": "when_required"}
    # A person waits for the store while sending a form: bounded time and tries, not boto3's
    # default of 60-second timeouts.
    config = Config(connect_timeout=timeout, read_timeout=timeout,
                    # total_max_attempts counts every try; botocore's max_attempts, the retries.
                    retries={"mode": "standard", "total_max_attempts": max(1, max_attempts)},
                    **options)
    return boto3.session.Session().client("s3", endpoint_url=endpoint_url or None,
                                          region_name=region or None, config=config)
