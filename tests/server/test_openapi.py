"""The published API description tells the truth about authentication."""

import re
import uuid

from tests.factories import Client


async def test_security_in_the_schema_matches_what_the_server_enforces(client: Client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["BearerToken"]["scheme"] == "bearer"
    assert schemes["PortalToken"]["scheme"] == "bearer"
    checked = 0
    for path, operations in schema["paths"].items():
        url = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), path)
        for method, operation in operations.items():
            response = await client.request(method.upper(), url, json={})
            declared = operation.get("security") in ([{"BearerToken": []}], [{"PortalToken": []}])
            enforced = response.status_code == 401 and (
                response.json()["error"]["code"] == "not_authenticated"
            )
            assert declared == enforced, f"{method.upper()} {path}: {response.status_code}"
            checked += 1
    assert checked >= 30
