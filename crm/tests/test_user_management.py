"""User administration inside the product: only administrators; create, edit, deactivate, reset a password."""
import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.core.exceptions import PermissionDenied, ValidationError

from conftest import PASSWORD
from crm.roles import Role
from crm.user_management.services import user_create, user_set_password, user_update

User = get_user_model()
NEW_PASSWORD = "Kuma-no-Pu-2026!"


def _create_data(**overrides):
    data = {"username": "yamada", "display_name": "山田 花子", "email": "yamada@example.jp", "role": Role.SALES_REP,
            "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}  # fmt: skip
    data.update(overrides)
    return data


class TestAccess:
    @pytest.mark.parametrize("role", [Role.SALES_REP, Role.LIST_MAINTAINER, Role.MANAGER])
    @pytest.mark.parametrize("url", ["/users/", "/users/new/"])
    def test_it_refuses_everyone_but_administrators(self, client_for, users_by_role, role, url):
        response = client_for(users_by_role[role]).get(url)
        assert response.status_code == 403

    def test_it_refuses_a_post_from_a_manager_and_creates_nobody(self, client_for, manager):
        response = client_for(manager).post("/users/new/", _create_data())
        assert response.status_code == 403
        assert not User.objects.filter(username="yamada").exists()

    def test_it_lists_users_in_japanese_for_an_administrator(self, client_for, admin_user, rep):
        response = client_for(admin_user).get("/users/")
        html = response.content.decode()
        assert response.status_code == 200
        assert "ユーザー" in html and "佐藤 営業" in html and "営業担当" in html

    def test_the_navigation_shows_users_to_admins_and_the_django_admin_only_to_superusers(self, client_for, make_user):
        plain_admin = make_user("admin2", Role.ADMIN)
        html = client_for(plain_admin).get("/users/").content.decode()
        assert 'data-nav="users:list"' in html and 'data-nav="admin:index"' not in html


class TestCreate:
    def test_it_creates_a_user_who_can_sign_in(self, client, client_for, admin_user):
        response = client_for(admin_user).post("/users/new/", _create_data())
        assert response.status_code == 302 and response["Location"] == "/users/"
        user = User.objects.get(username="yamada")
        assert (user.display_name, user.role, user.is_active) == ("山田 花子", Role.SALES_REP, True)
        client.logout()
        assert client.post("/accounts/login/", {"username": "yamada", "password": NEW_PASSWORD}).status_code == 302
        assert client.session[SESSION_KEY] == str(user.pk)

    def test_it_refuses_a_taken_user_name_and_a_weak_password(self, client_for, admin_user, rep):
        response = client_for(admin_user).post("/users/new/", _create_data(username="REP1", password1="12345678",
                                                                           password2="12345678"))  # fmt: skip
        form = response.context["form"]
        assert response.status_code == 200
        assert set(form.errors) == {"username", "password1"}

    def test_the_service_refuses_a_non_administrator(self, manager):
        with pytest.raises(PermissionDenied):
            user_create(by=manager, username="x", display_name="x", email="", role=Role.ADMIN, password=NEW_PASSWORD)
        assert not User.objects.filter(username="x").exists()


class TestEdit:
    def test_it_changes_the_role_and_deactivates(self, client, client_for, admin_user, rep):
        response = client_for(admin_user).post(f"/users/{rep.pk}/", {"display_name": "佐藤 一郎", "email": "",
                                                                      "role": Role.MANAGER})  # fmt: skip
        assert response.status_code == 302
        rep.refresh_from_db()
        assert (rep.display_name, rep.role, rep.is_active) == ("佐藤 一郎", Role.MANAGER, False)
        client.logout()
        assert client.post("/accounts/login/", {"username": "rep1", "password": PASSWORD}).status_code == 200
        assert SESSION_KEY not in client.session

    def test_an_administrator_cannot_deactivate_themselves(self, client_for, admin_user):
        response = client_for(admin_user).post(f"/users/{admin_user.pk}/", {"display_name": "管理者", "email": "",
                                                                            "role": Role.ADMIN})  # fmt: skip
        assert response.status_code == 200 and response.context["form"].non_field_errors()
        admin_user.refresh_from_db()
        assert admin_user.is_active

    def test_the_last_active_administrator_stays(self, make_user):
        first = make_user("boss", Role.ADMIN)
        second = make_user("boss2", Role.ADMIN)
        user_update(by=first, user=second, display_name="x", email="", role=Role.MANAGER, is_active=True)
        solo = make_user("boss3", Role.MANAGER)
        with pytest.raises(ValidationError):
            user_update(by=first, user=first, display_name="x", email="", role=Role.ADMIN, is_active=False)
        assert User.objects.get(pk=first.pk).is_active and solo.role == Role.MANAGER

    def test_the_service_checks_the_stored_row_not_the_callers_copy(self, make_user):
        boss = make_user("boss", Role.ADMIN)
        other_admin = make_user("boss2", Role.ADMIN)
        stale = User.objects.get(pk=other_admin.pk)
        User.objects.filter(pk=boss.pk).update(is_active=False)  # only other_admin is an active admin now
        stale.role = Role.MANAGER  # the caller's copy claims it is no admin any more
        with pytest.raises(ValidationError):
            user_update(by=other_admin, user=stale, display_name="x", email="", role=Role.MANAGER, is_active=True)


class TestPassword:
    def test_it_resets_a_password(self, client, client_for, admin_user, rep):
        response = client_for(admin_user).post(f"/users/{rep.pk}/password/",
                                               {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})  # fmt: skip
        assert response.status_code == 302
        client.logout()
        assert client.post("/accounts/login/", {"username": "rep1", "password": NEW_PASSWORD}).status_code == 302

    def test_the_service_refuses_a_non_administrator(self, maintainer, rep):
        with pytest.raises(PermissionDenied):
            user_set_password(by=maintainer, user=rep, password=NEW_PASSWORD)
        rep.refresh_from_db()
        assert rep.check_password(PASSWORD)
