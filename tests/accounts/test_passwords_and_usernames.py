"""Password rules (NIST SP 800-63B) wherever a password is set, and usernames that compare
as people read them: normalised (NFKC, case-folded), unique in that form, matched at login."""

import argparse
from typing import Any

import pytest

from accounts.password_policy import check_password, common_passwords
from accounts.usernames import normalize_username
from kernel.db import Database
from kernel.errors import DomainError
from server import admin
from tests.factories import PASSWORD, World


def new_user(username: str, password: str = PASSWORD) -> dict[str, Any]:
    return {"username": username, "display_name": "New", "password": password, "role": "engineer"}


WEAK = {
    "12345678": {"too_simple", "common"},
    "password": {"too_simple", "common"},
    " " * 8: {"too_simple"},
    "Password1": {"common"},
    "qwerty2024": {"common"},
    "abcdefghij": {"too_simple", "common"},
    "newbie-pass-1": {"contains_username"},  # the username is "newbie"
    "xxNEWBIExx-77": {"contains_username"},
}


async def test_weak_passwords_are_refused_when_a_user_is_created(world: World) -> None:
    for password, reasons in WEAK.items():
        response = await world.call(
            "admin", "POST", "/api/v1/users", json=new_user("newbie", password), expect=422
        )
        error = response.json()["error"]
        assert error["code"] == "validation_failed", password
        assert error["details"]["field"] == "password", password
        assert error["details"]["reason"] in reasons, (password, error)
        assert error["details"]["errors"][0]["field"] == "password"
    created = await world.call(
        "admin", "POST", "/api/v1/users", json=new_user("newbie", "mixed-Case 7 words"), expect=201
    )
    assert created.json()["username"] == "newbie"


async def test_weak_passwords_are_refused_on_a_password_change(world: World) -> None:
    url = f"/api/v1/users/{world.users['eng_a']}"
    for password in ("12345678", "password", " " * 8, "eng_a-2026!", "ENG_Aisme"):
        response = await world.call("admin", "PATCH", url, json={"password": password}, expect=422)
        assert response.json()["error"]["details"]["field"] == "password"
    # Nothing changed: the old password still logs in.
    await world.login("eng_a")
    await world.call("admin", "PATCH", url, json={"password": "a-brand-new-password"}, expect=200)


async def test_the_cli_applies_the_same_password_rules(world: World) -> None:
    db: Database = world.client.app.state.services.db
    args = argparse.Namespace(
        tenant=world.slug,
        username="operator",
        role="engineer",
        display_name="Op",
        phone="",
        password="12345678",
    )
    with pytest.raises(SystemExit, match="password") as refused:
        await admin.create_user(db=db, args=args)
    assert "common" in str(refused.value) or "mix" in str(refused.value)
    args.password = "operator-2026"
    with pytest.raises(SystemExit, match="username"):
        await admin.create_user(db=db, args=args)
    args.password = "forty-two lanterns"
    await admin.create_user(db=db, args=args)


def test_the_rules_themselves() -> None:
    assert len(common_passwords()) > 2000
    for password in ("correct-horse-battery", "fieldops-demo", "Tr0ub4dor&3", "长城-冷库-2026"):
        check_password(password, username="eng.li")
    for password in ("1234567890", "ABCDEFGH", "!!!!!!!!", "冷库冷库冷库冷库", "iloveyou123"):
        with pytest.raises(DomainError):
            check_password(password, username="eng.li")
    # Long enough, one class is fine (a passphrase).
    check_password("correcthorsebatterystaple", username="eng.li")
    with pytest.raises(DomainError):
        check_password("my-ENG.LI-pass", username="Eng.Li")


def test_usernames_normalise_by_nfkc_and_case_folding() -> None:
    assert normalize_username("ADMIN") == "admin"
    assert normalize_username("Ａｄｍｉｎ") == "admin"  # noqa: RUF001 - full-width on purpose
    assert normalize_username("Eng.Li") == "eng.li"


async def test_a_trailing_newline_is_not_a_username(world: World) -> None:
    for username in ("admin\n", "eng_a\n", "bob\r\n", "a\nb"):
        response = await world.call(
            "admin", "POST", "/api/v1/users", json=new_user(username), expect=422
        )
        assert response.json()["error"]["code"] == "validation_failed"
        login = await world.client.post(
            "/api/v1/auth/login",
            json={
                "tenant": world.slug,
                "username": username,
                "password": PASSWORD,
                "device_id": "d",
            },
        )
        assert login.status_code == 422


async def test_usernames_are_unique_whatever_their_case(world: World) -> None:
    for taken in ("ADMIN", "Admin", "Eng_A"):
        response = await world.call(
            "admin", "POST", "/api/v1/users", json=new_user(taken), expect=409
        )
        assert response.json()["error"]["code"] == "already_exists"
    created = await world.call(
        "admin", "POST", "/api/v1/users", json=new_user("Li.Ming"), expect=201
    )
    assert created.json()["username"] == "Li.Ming"  # shown as typed
    await world.call("admin", "POST", "/api/v1/users", json=new_user("li.ming"), expect=409)


async def test_login_matches_the_normalised_username(world: World) -> None:
    await world.call("admin", "POST", "/api/v1/users", json=new_user("Li.Ming"), expect=201)
    for typed in ("Li.Ming", "li.ming", "LI.MING"):
        response = await world.client.post(
            "/api/v1/auth/login",
            json={"tenant": world.slug, "username": typed, "password": PASSWORD, "device_id": "d"},
        )
        assert response.status_code == 200, (typed, response.text)
    # The existing (lower-case) fixture users log in typed in capitals too.
    response = await world.client.post(
        "/api/v1/auth/login",
        json={"tenant": world.slug, "username": "ENG_A", "password": PASSWORD, "device_id": "d"},
    )
    assert response.status_code == 200
