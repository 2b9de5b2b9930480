"""The running installation: settings, database and blob storage, opened once."""

from __future__ import annotations

from dataclasses import dataclass

from labelwright.config import Settings
from labelwright.media.blobs import BlobStore
from labelwright.store.db import Database


@dataclass
class Context:
    """Everything a use case needs to touch the outside world."""

    settings: Settings
    db: Database
    blobs: BlobStore

    @classmethod
    def open(cls, settings: Settings) -> Context:
        """Create the data dir if needed, migrate the database and open storage."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        settings.tmp_dir.mkdir(parents=True, exist_ok=True)
        return cls(
            settings=settings,
            db=Database(settings.database_url),
            blobs=BlobStore(settings.storage_url),
        )

    def close(self) -> None:
        """Release database connections."""
        self.db.dispose()
