"""The object store composed from the settings (a directory by default, or S3/MinIO)."""

from datetime import timedelta

from kernel.db import Database
from media.local_store import LocalStore
from media.store import ObjectStore, S3Config, S3Store
from media.verify import Verifier
from server.settings import Settings


def build_store(settings: Settings) -> ObjectStore:
    if settings.media_store == "s3":
        return S3Store(
            S3Config(
                endpoint=settings.s3_endpoint,
                public_endpoint=settings.s3_public_endpoint,
                access_key=settings.s3_access_key,
                secret_key=settings.s3_secret_key,
                bucket=settings.s3_bucket,
                region=settings.s3_region,
            )
        )
    return LocalStore(
        root=settings.media_root(),
        base_url=settings.base_url(),
        signing_key=settings.signing_key().encode(),
    )


def build_verifier(*, db: Database, store: ObjectStore, settings: Settings) -> Verifier:
    return Verifier(db=db, store=store, retention=timedelta(days=settings.evidence_retention_days))
