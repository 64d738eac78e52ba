"""The published API description tells the truth: authentication, error answers, limits."""

import re
import uuid

from mobile_contract.errors import ErrorCode
from server.errors import STATUS
from server.openapi import EXTRA_CODES, NO_ROLE_CHECK
from tests.factories import Client, World

SIGNED = [{"TerminalSignature": []}]


async def test_security_in_the_schema_matches_what_the_server_enforces(
    client: Client, world: World
) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["BearerToken"]["scheme"] == "bearer"
    assert schemes["PortalToken"]["scheme"] == "bearer"
    assert schemes["TerminalSignature"]["type"] == "apiKey"
    assert schemes["TerminalSignature"]["in"] == "header"
    assert schemes["TerminalSignature"]["name"] == "X-Signature"
    terminal = await world.register_terminal()
    checked = signed = 0
    for path, operations in schema["paths"].items():
        # Ids are UUIDs; a rule-set version is a number.
        url = re.sub(
            r"\{[^}]+\}",
            lambda name: "1" if name.group(0) == "{version}" else str(uuid.uuid4()),
            path,
        )
        for method, operation in operations.items():
            response = await client.request(method.upper(), url, json={})
            declared = operation.get("security") in (
                [{"BearerToken": []}],
                [{"PortalToken": []}],
                SIGNED,
            )
            enforced = response.status_code == 401 and (
                response.json()["error"]["code"] == "not_authenticated"
            )
            assert declared == enforced, f"{method.upper()} {path}: {response.status_code}"
            checked += 1
            answer = await terminal.send(method.upper(), url, {})
            if operation.get("security") == SIGNED:
                # Signed with a terminal's secret, the very same request is let through.
                assert answer.status_code != 401, f"{method.upper()} {path}: {answer.text}"
                signed += 1
            elif declared:  # and a signature is no token
                assert answer.status_code == 401, f"{method.upper()} {path}: {answer.text}"
    assert checked >= 30
    assert signed >= 4


async def test_every_error_status_is_documented_with_the_envelope(client: Client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    envelope = schema["components"]["schemas"]["ErrorEnvelope"]
    assert envelope["required"] == ["error"]
    seen: dict[str, set[str]] = {}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            key = f"{method.upper()} {path}"
            errors = {s: r for s, r in operation["responses"].items() if int(s) >= 400}
            seen[key] = set(errors)
            for status, response in errors.items():
                media = response["content"]["application/json"]
                assert media["schema"] == {"$ref": "#/components/schemas/ErrorEnvelope"}, key
                for code, example in media["examples"].items():
                    assert STATUS[ErrorCode(code)] == int(status), f"{key} {status} {code}"
                    assert example["value"]["error"]["code"] == code
            assert "426" in errors, key
            if operation.get("security"):
                assert "401" in errors, key
            if "{" in path:
                assert "404" in errors, key
            if "requestBody" in operation:
                assert {"400", "413", "422"} <= set(errors), key
    assert "429" in seen["POST /api/v1/auth/login"]
    assert "429" in seen["GET /api/v1/portal/work-order"]
    assert "403" in seen["POST /api/v1/customers"]
    assert "409" in seen["POST /api/v1/work-orders/{work_order_id}/transitions"]
    assert {"404", "422"} <= seen["GET /api/v1/work-orders/{work_order_id}/eta"]
    assert set(seen) >= set(EXTRA_CODES), set(EXTRA_CODES) - set(seen)
    assert set(seen) >= NO_ROLE_CHECK


async def test_the_event_stream_is_labelled_as_one(client: Client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    success = schema["paths"]["/api/v1/sync/stream"]["get"]["responses"]["200"]
    assert list(success["content"]) == ["text/event-stream"]


async def test_the_published_limits_are_the_ones_msgspec_enforces(client: Client) -> None:
    schemas = (await client.get("/schema/openapi.json")).json()["components"]["schemas"]
    position = schemas["ChecklistItemCreate"]["properties"]["position"]
    assert {"type": "integer", "minimum": 0, "maximum": 10_000} in position["anyOf"]
    assert schemas["ChecklistItemUpdate"]["properties"]["position"]["minimum"] == 0
    for name in ("WorkOrderCreate", "WorkOrderUpdate"):
        tags = schemas[name]["properties"]["tags"]
        assert tags["items"]["minLength"] == 1, name
        assert tags["items"]["maxLength"] == 60, name
        assert tags["maxItems"] == 30, name


async def test_configuration_routes_document_the_refusals_their_services_raise(
    client: Client,
) -> None:
    """What only a service knows (``EXTRA_CODES``) is in the schema: a calendar in use is
    refused on delete, a policy names references of the tenant's own."""
    paths = (await client.get("/schema/openapi.json")).json()["paths"]

    def codes(path: str, method: str) -> set[str]:
        responses = paths[path][method]["responses"]
        return {
            code
            for status, response in responses.items()
            if int(status) >= 400
            for code in response["content"]["application/json"]["examples"]
        }

    calendar, policy = "/api/v1/sla/calendars/{calendar_id}", "/api/v1/sla/policies/{policy_id}"
    assert "config_invalid" in codes("/api/v1/sla/calendars", "post")
    assert {"config_invalid", "not_found", "forbidden"} <= codes(calendar, "delete")
    assert "config_invalid" in codes(calendar, "put")
    for path, method in (("/api/v1/sla/policies", "post"), (policy, "put")):
        assert {"config_invalid", "invalid_reference"} <= codes(path, method)


async def test_knowledge_and_after_sales_routes_document_the_refusals_they_raise(
    client: Client,
) -> None:
    """A note citing an article the tenant lacks, a case naming an asset it lacks, a tree
    that cannot work, a save on a stale version: each documented where it is answered."""
    paths = (await client.get("/schema/openapi.json")).json()["paths"]

    def codes(path: str, method: str) -> dict[str, set[str]]:
        responses = paths[path][method]["responses"]
        return {
            status: set(response["content"]["application/json"]["examples"])
            for status, response in responses.items()
            if int(status) >= 400
        }

    article = "/api/v1/kb/articles/{article_id}"
    assert "invalid_reference" in codes("/api/v1/work-orders/{work_order_id}/notes", "post")["422"]
    assert "version_conflict" in codes(article, "put")["409"]
    for path, method in ((article, "get"), (article, "put"), (f"{article}/publish", "post")):
        assert "not_found" in codes(path, method)["404"], (path, method)
    assert "forbidden" in codes("/api/v1/kb/articles", "post")["403"]
    assert "forbidden" in codes("/api/v1/kb/citation-rate", "get")["403"]
    assert "validation_failed" in codes("/api/v1/kb/search", "get")["422"]
    tree = "/api/v1/after-sales/tree"
    assert "version_conflict" in codes(tree, "put")["409"]
    for path, method in ((tree, "put"), (f"{tree}/validate", "post")):
        assert "config_invalid" in codes(path, method)["422"], (path, method)
    assert "not_found" in codes(f"{tree}/versions/{{version}}", "get")["404"]
    assert {"invalid_reference", "validation_failed"} <= codes(
        "/api/v1/after-sales/evaluate", "post"
    )["422"]


async def test_message_routes_document_the_refusals_they_raise(client: Client) -> None:
    """A retried id with other content and a closed work order (409), an attachment that is
    not the work order's (422), a link past its messages for now (429), a message read up to
    that is not there (404)."""
    paths = (await client.get("/schema/openapi.json")).json()["paths"]

    def codes(path: str, method: str) -> dict[str, set[str]]:
        responses = paths[path][method]["responses"]
        return {
            status: set(response["content"]["application/json"]["examples"])
            for status, response in responses.items()
            if int(status) >= 400
        }

    staff, portal = "/api/v1/work-orders/{work_order_id}/messages", "/api/v1/portal/messages"
    for path in (staff, portal):
        posted = codes(path, "post")
        assert {"already_exists", "illegal_transition"} <= posted["409"], path
        assert {"invalid_reference", "validation_failed"} <= posted["422"], path
        assert "not_found" in codes(f"{path}/read", "post")["404"], path
    assert "rate_limited" in codes(portal, "post")["429"]
    assert "forbidden" in codes(staff, "post")["403"]
    assert "forbidden" in codes(f"{staff}/read", "post")["403"]


async def test_the_chat_webhook_documents_its_signature_refusals(client: Client) -> None:
    """No token but a channel's signature: a bad one, a stale timestamp and a replay are 401s,
    a generic channel's sender over the limit a 429."""
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    responses = paths["/api/v1/chat/status-query"]["post"]["responses"]
    codes = {
        status: set(response["content"]["application/json"]["examples"])
        for status, response in responses.items()
        if int(status) >= 400
    }
    assert codes["401"] == {"signature_invalid", "timestamp_out_of_window", "request_replayed"}
    assert "rate_limited" in codes["429"]
    assert "security" not in paths["/api/v1/chat/status-query"]["post"]
    admin = paths["/api/v1/chat/channels/{channel_id}/rotate"]["post"]["responses"]
    assert {"401", "403", "404"} <= set(admin)
