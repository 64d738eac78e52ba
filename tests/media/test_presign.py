"""The S3 links' signature over Content-Length: signing minio-py's URL again must give exactly
its signature when nothing is added (so the signer is right), and AWS's published example."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from minio import Minio

from media.presign import sign_again

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
DATE = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


@pytest.mark.parametrize("endpoint", ["127.0.0.1:9000", "files.example.com"])
@pytest.mark.parametrize(
    ("key", "extra"),
    [
        ("quarantine/t/wo/u-1", None),
        ("quarantine/t/wo/a photo (1)+ü.jpg", None),
        ("quarantine/t/wo/u-2", {"uploadId": "a1/b2+c3==", "partNumber": "7"}),
    ],
)
def test_signing_minios_url_again_gives_its_signature(
    endpoint: str, key: str, extra: dict[str, str] | None
) -> None:
    client = Minio(endpoint, "AKIAIOSFODNN7EXAMPLE", SECRET, secure=False, region="eu-west-1")
    url = client.get_presigned_url(
        "PUT",
        "evidence-bucket",
        key,
        timedelta(hours=1),
        request_date=DATE,
        extra_query_params=extra,  # type: ignore[arg-type]
    )
    again = sign_again(url, method="PUT", secret_key=SECRET, content_length=None)
    assert query(again) == query(url)
    sized = sign_again(url, method="PUT", secret_key=SECRET, content_length=1234)
    assert query(sized)["X-Amz-SignedHeaders"] == "content-length;host"
    assert query(sized)["X-Amz-Signature"] != query(url)["X-Amz-Signature"]
    assert urlsplit(sized).path == urlsplit(url).path


def test_the_published_aws_example() -> None:
    """AWS's example of a presigned GET (Signature Version 4, query parameters)."""
    url = (
        "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
    )
    signed = sign_again(url, method="GET", secret_key=SECRET, content_length=None)
    assert query(signed)["X-Amz-Signature"] == (
        "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
    )
