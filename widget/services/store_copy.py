"""Moving a deployment's files from the local folder (FRONTDESK_UPLOAD_DIR) to a bucket
(FRONTDESK_S3_BUCKET), before the deployment is switched to the bucket.

The keys stay the same, so no row changes: a file kept as UPLOAD_DIR/xx/KEY becomes the object
PREFIX/KEY. A file already in the bucket at its size is skipped, so a copy that stopped half-way
can simply run again. Afterwards every key the database names is looked for in the bucket: one
that is in neither place is reported, as a file the deployment had already lost.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import select

from widget.extensions import db
from widget.file_stores import LocalFileStore, S3FileStore
from widget.models import Attachment, Theme


@dataclass
class CopyReport:
    copied: int = 0
    already_there: int = 0
    missing: list[str] = field(default_factory=list)  # named by the database, in the bucket never


def copy_folder_to_bucket(folder: LocalFileStore, bucket: S3FileStore) -> CopyReport:
    """Copy every file of the folder the bucket lacks; then list what the database names and
    the bucket still lacks."""
    report = CopyReport()
    in_bucket = bucket.sizes()
    for key in folder.keys():
        data = folder.read(key)
        if in_bucket.get(key) == len(data):
            report.already_there += 1
            continue
        bucket.put(key, data)
        in_bucket[key] = len(data)
        report.copied += 1
    report.missing = sorted(key for key in named_keys() if key not in in_bucket)
    return report


def named_keys() -> Iterator[str]:
    """Every storage key the database names: files people and staff attached, letters, logos."""
    yield from db.session.scalars(select(Attachment.storage_key))
    yield from db.session.scalars(select(Theme.logo_key).where(Theme.logo_key.is_not(None)))
