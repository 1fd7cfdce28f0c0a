"""Smoke tests: discovery without a token, authentication, and the request
Entra's "Test Connection" sends."""

import uuid

from harness import LIST_SCHEMA, expect_error, expect_scim_json, expect_status, q


def test_service_provider_config_needs_no_token(ctx):
    resp = ctx.client.get("/ServiceProviderConfig", token=None)
    expect_status(resp, 200)
    expect_scim_json(resp)
    assert "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig" in resp.json["schemas"], resp


def test_users_without_token_is_401(ctx):
    resp = ctx.client.get("/Users", token=None)
    expect_error(resp, 401)
    challenge = resp.headers.get("www-authenticate", "")
    assert challenge.lower().startswith("bearer"), f"WWW-Authenticate is {challenge!r}: {resp!r}"


def test_connection_check_finds_no_user(ctx):
    # Entra: GET /Users?filter=userName eq "<random guid>" must be 200 with
    # an empty list, Resources included.
    resp = ctx.client.get("/Users?filter=" + q(f'userName eq "{uuid.uuid4()}"'))
    expect_status(resp, 200)
    body = resp.json
    assert LIST_SCHEMA in body["schemas"], resp
    assert body["totalResults"] == 0, resp
    assert body["Resources"] == [], resp
