"""A presigned S3 URL whose signature also covers ``Content-Length``.

minio-py presigns with only ``host`` signed, so its PUT link takes a body of any size (up to
S3's 5 GiB): a portal link's holder could park that much per declared photo. Signing the
declared length in as well makes S3 and MinIO refuse any other size (403
``SignatureDoesNotMatch``) before storing a byte. minio-py builds the URL (endpoint, path
encoding, credential scope, date, expiry); this module only signs it again (AWS Signature
Version 4, query-string form), with the standard library.
"""

import hashlib
import hmac
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

ALGORITHM = "AWS4-HMAC-SHA256"


def _encoded(value: str) -> str:
    return quote(value, safe="-_.~")  # RFC 3986 unreserved characters stay as they are


def sign_again(url: str, *, method: str, secret_key: str, content_length: int | None) -> str:
    """``url`` (presigned by minio-py) signed over ``host`` and, when given, the exact
    ``content-length`` the request must carry."""
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.query, keep_blank_values=True))
    params.pop("X-Amz-Signature", None)
    headers = {"host": parts.netloc}
    if content_length is not None:
        headers["content-length"] = str(content_length)
    signed_headers = ";".join(sorted(headers))
    params["X-Amz-SignedHeaders"] = signed_headers
    query = "&".join(f"{_encoded(k)}={_encoded(v)}" for k, v in sorted(params.items()))
    canonical_headers = "".join(f"{name}:{headers[name]}\n" for name in sorted(headers))
    canonical_request = "\n".join(
        [method, parts.path or "/", query, canonical_headers, signed_headers, "UNSIGNED-PAYLOAD"]
    )
    amz_date, scope = params["X-Amz-Date"], params["X-Amz-Credential"].split("/", 1)[1]
    string_to_sign = "\n".join(
        [ALGORITHM, amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = ("AWS4" + secret_key).encode()
    for step in scope.split("/"):  # date, region, service, "aws4_request"
        key = hmac.new(key, step.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    return urlunsplit(parts._replace(query=f"{query}&X-Amz-Signature={signature}"))
