"""API fuzzing: schemathesis generates valid and invalid requests for every operation in the app's own
OpenAPI document and runs every built-in check on the answers (no server error, response schema,
status code and content type conformance, headers, negative data rejected, positive data accepted, …).

In-process (ASGI) against the `app` fixture, so it runs on SQLite and on PostgreSQL (`--db=postgresql`)
inside the usual rolled-back transaction. Bounded: FUZZ_EXAMPLES examples per operation.
"""

from __future__ import annotations

import os
import tempfile

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance

MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))


def _openapi_document() -> dict:
    """The schema of the app as configured for tests (building it touches no database)."""
    from portal.app import create_app
    from portal.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            env="test",
            database_url=f"sqlite:///{tmp}/schema.db",
            secret_key="f" * 48,
            search_url=f"sqlite:///{tmp}/search.db",
            upload_dir=f"{tmp}/uploads",
        )
        return create_app(settings).openapi()


# Loaded at collection: one test per operation. (`schemathesis.pytest.from_fixture` would be the
# natural choice but breaks on pytest 9, which dropped `Function._nodeid`.) Each test sends its
# requests to the `app` fixture, i.e. to the database under test.
schema = schemathesis.openapi.from_dict(_openapi_document())


# Filters whose vocabulary lives in the database (localities, sectors, zone slugs) are free strings in
# the schema; an unknown value is answered 422 naming the field, by design. For these operations the
# "schema-valid data must be accepted" check cannot hold; every other check still runs on them.
DB_VOCABULARY = {
    "GET /api/v1/zones",
    "GET /api/v1/search",
    "GET /api/v1/compare",
    "GET /api/v1/match",
    "POST /api/v1/match",
    "POST /api/v1/screening",
    "POST /api/v1/proposals",  # sector codes, zone slugs
}


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
def test_api_conforms_to_its_openapi_and_never_fails(case, app):
    excluded = [positive_data_acceptance] if f"{case.method} {case.path}" in DB_VOCABULARY else []
    case.call_and_validate(app=app, excluded_checks=excluded)


def test_the_openapi_document_lists_the_public_api(client):
    doc = client.get("/api/openapi.json").json()
    paths = set(doc["paths"])
    assert "/api/v1/zones" in paths and "/api/v1/zones/{slug}" in paths
    for path, item in doc["paths"].items():
        assert path.startswith("/api/v1/"), f"page route leaked into the API schema: {path}"
        for method, op in item.items():
            assert op.get("responses"), f"{method.upper()} {path} documents no response"
