"""Service health documents."""

import msgspec


class Health(msgspec.Struct, kw_only=True):
    status: str
    checks: dict[str, str] = {}
    contract_version: str = ""
