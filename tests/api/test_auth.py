"""Every endpoint but health needs a key: 401 without, 403 for the wrong role."""

from __future__ import annotations

import pytest

from api.auth.roles import Role
from api.db.tables import ApiKey
from tests.api.conftest import Api

ENDPOINTS = {
    ("POST", "/v1/classify"): {"tagger", "admin"},
    ("POST", "/v1/notes"): {"tagger", "admin"},
    ("GET", "/v1/notes"): {"reader", "reviewer", "analyst", "admin"},
    ("GET", "/v1/notes/1"): {"reader", "reviewer", "analyst", "admin"},
    ("GET", "/v1/counts"): {"reader", "analyst", "admin"},
    ("GET", "/v1/safeguarding/queue"): {"safeguarding", "admin"},
    ("GET", "/v1/themes"): set(Role),
    ("GET", "/v1/models"): set(Role),
    ("GET", "/metrics"): set(Role),
}
BODIES = {
    "/v1/classify": {"texts": ["Dark path"]},
    "/v1/notes": {"notes": [{"text": "Dark path", "external_id": "auth-1"}]},
}


def call(api: Api, method: str, path: str, headers: dict[str, str]) -> int:
    response = api.client.request(method, path, json=BODIES.get(path), headers=headers)
    return response.status_code


def test_full_role_matrix(api: Api) -> None:
    api.client.post("/v1/notes", json=BODIES["/v1/notes"], headers=api.headers("admin"))
    outcome = {}
    for (method, path), allowed in ENDPOINTS.items():
        for role in Role:
            status = call(api, method, path, api.headers(role.value))
            outcome[(method, path, role.value)] = "allowed" if status < 400 else status
            expected = "allowed" if role in allowed or role.value in allowed else 403
            assert outcome[(method, path, role.value)] == expected, (
                method,
                path,
                role.value,
                status,
            )


@pytest.mark.parametrize(("method", "path"), list(ENDPOINTS))
def test_no_key_is_401_with_a_problem_body(api: Api, method: str, path: str) -> None:
    response = api.client.request(method, path, json=BODIES.get(path))
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert "API key" in response.json()["detail"]


def test_wrong_or_malformed_key_is_401(api: Api) -> None:
    good = api.keys["reader"]
    for bad in ["nonsense", good[:-2] + "xx", "wt_00000000_" + good.split("_", 2)[2]]:
        response = api.client.get("/v1/counts", headers={"Authorization": f"Bearer {bad}"})
        assert response.status_code == 401, bad


def test_x_api_key_header_works_too(api: Api) -> None:
    assert (
        api.client.get("/v1/counts", headers={"X-API-Key": api.keys["reader"]}).status_code == 200
    )


def test_revoked_key_stops_working(api: Api) -> None:
    with api.session() as session, session.begin():
        key = session.query(ApiKey).filter_by(name="reader-client").one()
        from api.auth.keys import revoke_key

        revoke_key(session, key.id)
    assert api.client.get("/v1/counts", headers=api.headers("reader")).status_code == 401


def test_forbidden_says_which_role(api: Api) -> None:
    response = api.client.post(
        "/v1/classify", json=BODIES["/v1/classify"], headers=api.headers("reader")
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "The role 'reader' may not classify."


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_needs_no_key(api: Api, path: str) -> None:
    response = api.client.get(path)
    assert response.status_code == 200
