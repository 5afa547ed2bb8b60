"""A firm grants a bank consent for a period and revokes it; the bank's access follows."""

from __future__ import annotations

import datetime as dt

from world import YEAR

from zhizao.store.db import session_scope
from zhizao.store.models import AuditEntry

TODAY = dt.date.today()
PERIOD = {"valid_from": str(TODAY - dt.timedelta(days=30)), "valid_to": str(TODAY + dt.timedelta(days=365))}


def test_grant_then_revoke_controls_the_bank_read(client, world):
    code = world.firms["a0"]
    firm, bank = world.auth("firm_a0"), world.auth("bank")
    banks = client.get("/api/consents/banks", headers=firm).json()
    assert [b["username"] for b in banks] == ["bank1", "bank2"]
    c = client.post("/api/consents", json={"bank_username": "bank1", **PERIOD}, headers=firm)
    assert c.status_code == 201
    consent = c.json()
    assert consent["active"] and consent["credit_code"] == code and consent["scope"] == "carbon"
    assert client.get(f"/api/carbon/{YEAR}/{code}", headers=bank).status_code == 200
    assert [x["id"] for x in client.get("/api/consents", headers=bank).json()] == [consent["id"]]
    r = client.post(f"/api/consents/{consent['id']}/revoke", headers=firm)
    assert r.status_code == 200 and r.json()["active"] is False and r.json()["revoked_at"]
    assert client.get(f"/api/carbon/{YEAR}/{code}", headers=bank).status_code == 404
    with session_scope(world.settings) as s:
        actions = [e.action for e in s.query(AuditEntry).filter_by(username="firm_a0").order_by(AuditEntry.id)]
    assert actions == ["consent.grant", "consent.revoke"]


def test_only_the_granting_firm_can_revoke(client, world):
    consent = client.post("/api/consents", json={"bank_username": "bank1", **PERIOD},
                          headers=world.auth("firm_a0")).json()
    other = client.post(f"/api/consents/{consent['id']}/revoke", headers=world.auth("firm_b0"))
    assert other.status_code == 404
    assert client.post(f"/api/consents/{consent['id']}/revoke", headers=world.auth("city")).status_code == 403
    assert client.get("/api/consents", headers=world.auth("firm_b0")).json() == []
    assert len(client.get("/api/consents", headers=world.auth("city")).json()) == 1


def test_consent_input_is_checked(client, world):
    firm = world.auth("firm_a0")
    r = client.post("/api/consents", json={"bank_username": "dist_a", **PERIOD}, headers=firm)
    assert r.status_code == 422 and "银行" in r.json()["detail"]
    r = client.post("/api/consents", json={"bank_username": "bank1", "valid_from": "2025-01-01",
                                           "valid_to": "2024-01-01"}, headers=firm)
    assert r.status_code == 422
    r = client.post("/api/consents", json={"bank_username": "bank1", **PERIOD}, headers=world.auth("bank"))
    assert r.status_code == 403
