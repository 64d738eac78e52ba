"""The published API says what the report's routes answer: a PDF, 404 until it is ready, 409
once the work order is closed."""

from tests.factories import Client

STAFF = "/api/v1/work-orders/{work_order_id}/report"


async def test_the_report_routes_document_their_answers(client: Client) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]

    def codes(path: str, method: str) -> dict[str, set[str]]:
        responses = paths[path][method]["responses"]
        return {
            status: set(response["content"]["application/json"]["examples"])
            for status, response in responses.items()
            if int(status) >= 400
        }

    assert "illegal_transition" in codes(STAFF, "put")["409"]
    assert "forbidden" in codes(STAFF, "put")["403"]
    assert "validation_failed" in codes(STAFF, "put")["422"]
    for path in (f"{STAFF}.pdf", "/api/v1/portal/report.pdf"):
        assert list(paths[path]["get"]["responses"]["200"]["content"]) == ["application/pdf"]
        assert "not_found" in codes(path, "get")["404"], path
    assert paths["/api/v1/portal/report.pdf"]["get"]["security"] == [{"PortalToken": []}]
    assert "429" in codes("/api/v1/portal/report.pdf", "get")  # throttled as the portal is
