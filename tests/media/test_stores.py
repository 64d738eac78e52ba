"""Every object store keeps the same contract: signed single and multipart uploads (resumable,
a re-sent part replaces the first), reads, copies, signed downloads, refused bad links."""

import asyncio
import base64
import hashlib
import hmac
import json
import os
import time
from datetime import timedelta

import pytest
from minio.commonconfig import ENABLED, Filter
from minio.lifecycleconfig import Expiration, LifecycleConfig, Rule

from media.local_store import ROUTE, LocalStore
from media.store import (
    ORPHAN_DAYS,
    MultipartNotFound,
    ObjectNotFound,
    PartMismatch,
    S3Store,
    SignedRequest,
    StoredPart,
)
from tests.media.conftest import StoreUnderTest
from tests.s3 import s3_config

MIB = 1 << 20
HOUR = timedelta(hours=1)


async def send(t: StoreUnderTest, request: SignedRequest, body: bytes, expect: int = 200) -> str:
    response = await t.http.request(
        request.method, request.url, headers=request.headers, content=body
    )
    assert response.status_code == expect, response.text
    return response.headers.get("etag", "").strip('"')


async def read_all(t: StoreUnderTest, key: str) -> bytes:
    return b"".join([chunk async for chunk in t.store.read(key=key, chunk_size=MIB)])


async def test_a_single_upload_reads_back_and_downloads(under_test: StoreUnderTest) -> None:
    t, key, data = under_test, f"quarantine/{os.urandom(8).hex()}.jpg", os.urandom(300_000)
    put = await t.store.upload_url(key=key, content_type="image/jpeg", max_bytes=MIB, expires=HOUR)
    assert put.method == "PUT"
    assert put.headers == {"Content-Type": "image/jpeg"}
    await send(t, put, data)
    assert (await t.store.stat(key=key)).size == len(data)
    assert await read_all(t, key) == data
    link = await t.store.download_url(key=key, expires=timedelta(minutes=15), filename="before.jpg")
    response = await t.http.get(link.url)
    assert response.status_code == 200
    assert response.content == data
    assert await t.store.stat(key="quarantine/missing") is None


async def test_a_multipart_upload_resumes_and_completes(under_test: StoreUnderTest) -> None:
    t, key = under_test, f"quarantine/{os.urandom(8).hex()}.mp4"
    parts = [os.urandom(5 * MIB), os.urandom(5 * MIB), os.urandom(MIB // 3)]
    upload_id = await t.store.start_multipart(key=key, content_type="video/mp4")

    async def upload(number: int) -> str:
        url = await t.store.part_url(
            key=key, upload_id=upload_id, number=number, max_bytes=16 * MIB, expires=HOUR
        )
        return await send(t, url, parts[number - 1])

    first = await upload(1)
    # The app lost its connection here: what the store holds tells it where to resume.
    (stored,) = await t.store.list_parts(key=key, upload_id=upload_id)
    assert (stored.number, stored.etag, stored.size) == (1, first, 5 * MIB)
    await upload(2)
    parts[2] = os.urandom(MIB // 3)  # the last part is sent twice: the second replaces it
    await upload(3)
    parts[2] = os.urandom(MIB // 2)
    last = await upload(3)
    listed = await t.store.list_parts(key=key, upload_id=upload_id)
    assert [p.number for p in listed] == [1, 2, 3]
    assert listed[2].etag == last
    await t.store.complete_multipart(key=key, upload_id=upload_id, parts=listed)
    whole = b"".join(parts)
    assert (await t.store.stat(key=key)).size == len(whole)
    assert hashlib.sha256(await read_all(t, key)).digest() == hashlib.sha256(whole).digest()


async def test_completing_with_a_part_not_stored_is_refused(under_test: StoreUnderTest) -> None:
    t, key = under_test, f"quarantine/{os.urandom(8).hex()}.mp4"
    upload_id = await t.store.start_multipart(key=key, content_type="video/mp4")
    url = await t.store.part_url(
        key=key, upload_id=upload_id, number=1, max_bytes=16 * MIB, expires=HOUR
    )
    etag = await send(t, url, os.urandom(1000))
    with pytest.raises(PartMismatch):
        await t.store.complete_multipart(
            key=key,
            upload_id=upload_id,
            parts=[StoredPart(1, etag, 1000), StoredPart(2, "0" * 32, 1)],
        )
    with pytest.raises(PartMismatch):
        await t.store.complete_multipart(
            key=key, upload_id=upload_id, parts=[StoredPart(1, "0" * 32, 1000)]
        )
    await t.store.abort_multipart(key=key, upload_id=upload_id)
    with pytest.raises(MultipartNotFound):
        await t.store.list_parts(key=key, upload_id=upload_id)
    assert await t.store.stat(key=key) is None


async def test_copy_and_delete(under_test: StoreUnderTest) -> None:
    t, data = under_test, os.urandom(2000)
    source, target = f"quarantine/{os.urandom(8).hex()}", f"evidence/{os.urandom(8).hex()}"
    await t.store.put(key=source, data=data, content_type="application/octet-stream")
    await t.store.copy(source=source, target=target)
    await t.store.delete(key=source)
    assert await t.store.stat(key=source) is None
    assert await read_all(t, target) == data
    with pytest.raises(ObjectNotFound):
        await t.store.copy(source=source, target=f"evidence/{os.urandom(8).hex()}")


async def test_altered_expired_and_oversized_links_are_refused(under_test: StoreUnderTest) -> None:
    t = under_test
    if not t.checks_signatures:
        pytest.skip("moto's S3 does not check signatures: the server-side re-hash guards it")
    key = f"quarantine/{os.urandom(8).hex()}"
    put = await t.store.upload_url(key=key, content_type="image/jpeg", max_bytes=1000, expires=HOUR)
    # Another key under the same signature (S3: in the path; local: inside the signed token).
    url = put.url.replace("quarantine", "evidence")
    if url == put.url:
        at = url.index("/media/local/") + len("/media/local/") + 3
        url = url[:at] + ("A" if url[at] != "A" else "B") + url[at + 1 :]
    altered = SignedRequest(put.method, url, put.headers, put.expires_at)
    await send(t, altered, b"x", expect=403)
    expired = await t.store.upload_url(
        key=key, content_type="image/jpeg", max_bytes=1000, expires=timedelta(seconds=-1)
    )
    await send(t, expired, b"x", expect=403)
    # More bytes than the link is for: refused before anything is stored (the local store
    # caps them; S3 checks the length signed into the link).
    response = await t.http.put(put.url, headers=put.headers, content=os.urandom(1001))
    assert response.status_code == (413 if t.store.name == "local" else 403)
    if t.store.name == "local":
        assert response.json()["error"]["code"] == "payload_too_large"
    assert await t.store.stat(key=key) is None  # nothing half-stored


async def test_the_bucket_drops_orphan_bytes_and_keeps_its_other_rules(
    moto_endpoint: str,
) -> None:
    store = S3Store(s3_config("moto", moto_endpoint))
    await store.ensure_bucket()
    operators_own = Rule(
        ENABLED,
        rule_filter=Filter(prefix="exports/"),
        rule_id="exports",
        expiration=Expiration(days=30),
    )
    await asyncio.to_thread(
        store.client.set_bucket_lifecycle, store.bucket, LifecycleConfig([operators_own])
    )
    for _ in range(2):  # every `fieldops migrate` applies them again: no duplicates
        assert await store.apply_lifecycle() == [
            "fieldops-expire-quarantine",
            "fieldops-expire-staging",
            "fieldops-markers-quarantine",
            "fieldops-markers-staging",
        ]
    config = await asyncio.to_thread(store.client.get_bucket_lifecycle, store.bucket)
    rules = {rule.rule_id: rule for rule in config.rules}
    assert sorted(rules) == [
        "exports",
        "fieldops-expire-quarantine",
        "fieldops-expire-staging",
        "fieldops-markers-quarantine",
        "fieldops-markers-staging",
    ]
    assert rules["fieldops-markers-staging"].expiration.expired_object_delete_marker
    quarantine = rules["fieldops-expire-quarantine"]
    assert quarantine.rule_filter.prefix == "quarantine/"
    assert quarantine.expiration.days == ORPHAN_DAYS
    assert quarantine.noncurrent_version_expiration.noncurrent_days == 1
    assert rules["fieldops-expire-staging"].rule_filter.prefix == "staging/"
    assert "evidence/" not in {rule.rule_filter.prefix for rule in config.rules}


async def test_links_with_malformed_signed_claims_answer_403_never_500(
    under_test: StoreUnderTest,
) -> None:
    """A correctly signed token whose claims are not what the store signs (another shape, a
    missing or mistyped field, not JSON at all) is an invalid link, for uploads and downloads."""
    t = under_test
    if not isinstance(t.store, LocalStore):
        pytest.skip("S3 links are checked by S3; this is the local store's own signing")
    later = int(time.time()) + 3600
    payloads: list[bytes] = [
        json.dumps(claims).encode()
        for claims in (
            [1, 2],
            "get",
            None,
            {"op": "get", "exp": "tomorrow", "key": "evidence/x", "name": "x.jpg"},
            {"op": "get", "exp": later, "name": "x.jpg"},
            {"op": "get", "exp": later, "key": 5, "name": "x.jpg"},
            {"op": "get", "exp": later, "key": "evidence/x", "name": ["x"]},
            {"op": "copy", "exp": later, "key": "evidence/x"},
            {"exp": later, "key": "evidence/x"},
            {"op": "put", "exp": later, "key": "quarantine/x"},
            {"op": "put", "exp": later, "key": "quarantine/x", "max": "lots"},
            {"op": "part", "exp": later, "key": "quarantine/x", "upload": "u", "max": 9},
            {"op": "get", "exp": True, "key": "evidence/x", "name": "x.jpg"},
        )
    ] + [b"\xff\xfe not json", b""]
    for payload in payloads:
        body = base64.urlsafe_b64encode(payload).rstrip(b"=").decode()
        digest = hmac.new(t.store._key, body.encode(), hashlib.sha256).digest()
        signature = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        url = f"{ROUTE}/{body}.{signature}"
        for method in ("GET", "PUT"):
            response = await t.http.request(method, url, content=b"x")
            assert response.status_code == 403, (payload, method, response.text)
            assert response.json()["error"]["code"] == "link_invalid"
