"""The S3 servers tests reach: moto's S3 server on 127.0.0.1 (always), and a real MinIO when
``S3_TEST_ENDPOINT`` (plus ``S3_TEST_ACCESS_KEY`` / ``S3_TEST_SECRET_KEY``) names one."""

import os
import uuid

from media.store import S3Config

STORES = ["local", "moto"] + (["minio"] if os.environ.get("S3_TEST_ENDPOINT") else [])


def s3_config(kind: str, moto_endpoint: str) -> S3Config:
    """A fresh bucket on moto or on the real MinIO."""
    bucket = f"t-{uuid.uuid4().hex}"
    if kind == "moto":
        return S3Config(moto_endpoint, moto_endpoint, "test", "test", bucket)
    endpoint = os.environ["S3_TEST_ENDPOINT"]
    access = os.environ.get("S3_TEST_ACCESS_KEY", "minioadmin")
    return S3Config(
        endpoint, endpoint, access, os.environ.get("S3_TEST_SECRET_KEY", "minioadmin"), bucket
    )
