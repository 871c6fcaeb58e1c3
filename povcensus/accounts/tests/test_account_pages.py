"""Sign-in, throttling, forced password change, languages, single account creation."""

from typing import Any

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.test import override_settings

from povcensus.accounts.models import User
from povcensus.audit.models import AuditEvent
from povcensus.devtools.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def _login(client: Any, username: str, password: str) -> Any:
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR="10.1.2.3"
    )


def test_sign_in_lands_on_role_aware_home_page(client: Any) -> None:
    response = _login(client, "jinshan_office", DEMO_PASSWORD)
    assert response.status_code == 302
    home = client.get("/").content.decode()
    assert "2023年金山镇脱贫攻坚调查" in home
    assert "账号管理" in home  # office staff manage accounts
    assert AuditEvent.objects.filter(
        action="accounts.login", actor_username="jinshan_office"
    ).exists()


def test_enumerator_menu_has_no_account_management(client: Any) -> None:
    _login(client, "dcy01", DEMO_PASSWORD)
    assert "账号管理" not in client.get("/").content.decode()


def test_anonymous_pages_redirect_to_sign_in(client: Any) -> None:
    response = client.get("/accounts/users/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_repeated_failures_lock_the_account_on_that_address(client: Any) -> None:
    for _ in range(4):
        assert _login(client, "jinshan_office", "wrong-password").status_code == 200
    assert (
        _login(client, "jinshan_office", "wrong-password").status_code == 429
    )  # the fifth failure locks
    locked = _login(client, "jinshan_office", DEMO_PASSWORD)  # even the right password, for a while
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()


def test_new_account_must_change_password_first(client_for: Any, client: Any) -> None:
    office = client_for("jinshan_office")
    response = office.post(
        "/accounts/users/new/",
        {
            "username": "new_cadre",
            "full_name": "新村干",
            "phone": "13912345678",
            "role": "village_cadre",
            "area_code": "431202110203",
        },
    )
    assert response.status_code == 200
    password = response.context["password"]
    assert password in response.content.decode()  # shown once, on this page
    user = User.objects.get(username="new_cadre")
    assert user.must_change_password
    office.logout()
    assert _login(client, "new_cadre", password).status_code == 302
    forced = client.get("/")
    assert forced.status_code == 302
    assert forced["Location"].startswith("/accounts/password/")
    changed = client.post(
        "/accounts/password/",
        {
            "old_password": password,
            "new_password": "Cun-2023-hao",
            "new_password_again": "Cun-2023-hao",
        },
    )
    assert changed.status_code == 302
    assert client.get("/").status_code == 200
    user.refresh_from_db()
    assert not user.must_change_password


def test_weak_new_password_is_refused_with_reason(client_for: Any) -> None:
    client = client_for("dcy01")
    response = client.post(
        "/accounts/password/",
        {
            "old_password": DEMO_PASSWORD,
            "new_password": "12345678",
            "new_password_again": "12345678",
        },
    )
    assert response.status_code == 200
    assert "新密码不符合要求" in response.content.decode()


def test_office_cannot_create_accounts_outside_its_area(client_for: Any) -> None:
    office = client_for("jinshan_office")
    response = office.post(
        "/accounts/users/new/",
        {
            "username": "outsider",
            "full_name": "外人",
            "role": "village_cadre",
            "area_code": "431202111000",
        },
    )
    assert "accounts.grant_out_of_scope" in response.content.decode()
    assert not User.objects.filter(username="outsider").exists()


def test_enumerator_account_needs_home_township(client_for: Any) -> None:
    office = client_for("jinshan_office")
    response = office.post(
        "/accounts/users/new/",
        {
            "username": "dcy99",
            "full_name": "调查员",
            "role": "enumerator",
            "area_code": "431202110000",
        },
    )
    assert "accounts.home_township_required" in response.content.decode()


def test_language_switch_renders_english(client_for: Any) -> None:
    client = client_for("jinshan_office")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert "Home" in page
    assert "Sign out" in page


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_passwords_are_hashed_with_argon2() -> None:
    user = User.objects.get(username="dcy01")
    user.set_password("Another-pass-1")
    assert identify_hasher(user.password).algorithm == "argon2"


def test_sessions_expire() -> None:
    from django.conf import settings

    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
