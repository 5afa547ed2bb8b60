"""Accounts: argon2 hashes, role constraints, the ``zhizao users`` commands (password from stdin)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from typer.testing import CliRunner
from world import credit_code

from zhizao.cli import app
from zhizao.store.accounts import (
    AccountError,
    NewUser,
    add_user,
    hash_password,
    list_users,
    validate,
    verify_password,
)
from zhizao.store.db import session_scope
from zhizao.store.models import AuditEntry

runner = CliRunner()


@hsettings(max_examples=10, deadline=None)
@given(st.text(min_size=12, max_size=40))
def test_password_verifies_only_itself(password):
    h = hash_password(password)
    assert h.startswith("$argon2id$") and password not in h
    assert verify_password(h, password)
    assert not verify_password(h, password + "x")


def test_unknown_user_check_is_false_not_an_error():
    assert verify_password(None, "anything") is False
    assert verify_password("not-a-hash", "anything") is False


@pytest.mark.parametrize("user, message", [
    (NewUser("a b", "city"), "用户名不合法"),
    (NewUser("x1", "admin"), "未知角色"),
    (NewUser("d1", "district"), "行政区划代码"),
    (NewUser("d1", "district", region_code="33010"), "行政区划代码"),
    (NewUser("e1", "enterprise"), "统一社会信用代码"),
    (NewUser("e1", "enterprise", credit_code="91330102M00000000X"), "统一社会信用代码"),
    (NewUser("c1", "city", region_code="330102"), "只有区县用户"),
    (NewUser("b1", "bank", credit_code=credit_code(1)), "只有企业用户"),
])
def test_role_attributes_are_checked(user, message):
    with pytest.raises(AccountError, match=message):
        validate(user)


def test_duplicate_username_and_short_password_refused(store_settings):
    with session_scope(store_settings) as s:
        add_user(s, NewUser("city1", "city"), "longenough")
    with pytest.raises(AccountError, match="已存在"), session_scope(store_settings) as s:
        add_user(s, NewUser("city1", "city"), "longenough")
    with pytest.raises(AccountError, match="至少"), session_scope(store_settings) as s:
        add_user(s, NewUser("city2", "city"), "short")
    with session_scope(store_settings) as s:
        assert [u.username for u in list_users(s)] == ["city1"]


def _cli(store_settings, *args, input=None):
    env = {"ZHIZAO_STORE_URL": store_settings.store_url}
    return runner.invoke(app, ["--home", str(store_settings.home), *args], input=input, env=env)


def test_users_add_reads_password_from_stdin_and_lists_json(store_settings):
    code = credit_code(7)
    r = _cli(store_settings, "users", "add", "firm7", "--role", "enterprise", "--credit-code", code,
             "--display-name", "七号企业", "--json", input="s3cret-pass\n")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["credit_code"] == code
    r = _cli(store_settings, "users", "list", "--json")
    users = json.loads(r.stdout)["users"]
    assert [(u["username"], u["role"], u["display_name"], u["active"]) for u in users] == [
        ("firm7", "enterprise", "七号企业", True)]
    with session_scope(store_settings) as s:
        from zhizao.store.accounts import get_user

        u = get_user(s, "firm7")
        assert u is not None and verify_password(u.password_hash, "s3cret-pass")
        assert s.query(AuditEntry).filter_by(action="user.add", target="firm7").count() == 1


def test_users_add_errors_in_chinese_on_stderr(store_settings):
    r = _cli(store_settings, "users", "add", "d9", "--role", "district", input="password1\n")
    assert r.exit_code == 1
    assert "行政区划代码" in r.stderr and r.stdout == ""
    r = _cli(store_settings, "users", "add", "c9", "--role", "city", input="\n")
    assert r.exit_code == 1 and "密码" in r.stderr


def test_users_disable_then_enable(store_settings):
    assert _cli(store_settings, "users", "add", "aud", "--role", "auditor", input="password1\n").exit_code == 0
    r = _cli(store_settings, "users", "disable", "aud", "--json")
    assert r.exit_code == 0 and json.loads(r.stdout)["active"] is False
    r = _cli(store_settings, "users", "enable", "aud", "--json")
    assert json.loads(r.stdout)["active"] is True
    r = _cli(store_settings, "users", "disable", "nobody")
    assert r.exit_code == 1 and "找不到用户" in r.stderr
