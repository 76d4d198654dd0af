"""The UI shell: home per role, navigation per role, and the 403/404/500 pages in the base style."""
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import include, path

from crm.roles import Role


def _raise_denied(request):
    raise PermissionDenied("dashboard.view")


def _raise_error(request):
    raise RuntimeError("boom")


# This module doubles as a URLconf (see @pytest.mark.urls below): the real routes plus two that fail on purpose.
urlpatterns = [
    path("test/denied/", _raise_denied),
    path("test/error/", _raise_error),
    path("", include("config.urls")),
]
handler403 = "crm.views.permission_denied"
handler404 = "crm.views.page_not_found"
handler500 = "crm.views.server_error"


class TestHome:
    def test_it_redirects_anonymous_visitors_to_login(self, client, db):
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=/"

    @pytest.mark.parametrize("role", list(Role))
    def test_it_greets_each_role_by_name_with_its_role_badge(self, client_for, users_by_role, role):
        user = users_by_role[role]
        response = client_for(user).get("/")
        assert response.status_code == 200
        html = response.content.decode()
        assert user.display_name in html
        assert f">{user.get_role_display()}</span>" in html
        assert 'data-nav="home"' in html

    @pytest.mark.parametrize("role", list(Role))
    def test_it_lands_each_role_on_its_own_sections_not_on_link_tiles(self, client_for, users_by_role, role):
        # What each section holds is tested in crm/tests/test_home.py.
        html = client_for(users_by_role[role]).get("/").content.decode()
        assert 'data-testid="home-sections"' in html
        assert 'data-testid="home-cards"' not in html
        assert ('data-testid="home-phone-lookup"' in html) is (role == Role.SALES_REP)

    def test_it_shows_administration_only_to_the_admin(self, client_for, users_by_role):
        for role, user in users_by_role.items():
            html = client_for(user).get("/").content.decode()
            assert ('data-nav="admin:index"' in html) is (role == Role.ADMIN), role

    def test_it_offers_logout_and_password_change(self, client_for, rep):
        html = client_for(rep).get("/").content.decode()
        assert 'action="/accounts/logout/"' in html
        assert 'href="/accounts/password/"' in html

    def test_it_uses_only_local_assets(self, client_for, rep):
        # The page must work offline: no CDN.
        html = client_for(rep).get("/").content.decode()
        assert "/static/vendor/bootstrap/bootstrap.min.css" in html
        assert "/static/vendor/htmx/htmx.min.js" in html
        assert "cdn" not in html.lower()
        assert 'name="viewport"' in html


@pytest.mark.urls("crm.tests.test_views")
class TestErrorPages:
    def test_it_renders_403_in_the_base_layout(self, client_for, rep):
        response = client_for(rep).get("/test/denied/")
        assert response.status_code == 403
        html = response.content.decode()
        assert "403" in html
        assert 'data-testid="nav"' in html  # same navigation as every page
        assert "/static/css/mezame.css" in html

    def test_it_renders_404_in_the_base_layout(self, client_for, rep):
        response = client_for(rep).get("/no-such-page/")
        assert response.status_code == 404
        html = response.content.decode()
        assert "404" in html
        assert 'data-testid="nav"' in html

    def test_it_renders_404_to_anonymous_visitors_without_navigation(self, client, db):
        # An unknown URL never reaches a view, so the login requirement does not apply; nothing is revealed.
        response = client.get("/no-such-page/")
        assert response.status_code == 404
        html = response.content.decode()
        assert "404" in html
        assert 'data-testid="nav"' not in html

    def test_it_renders_500_without_needing_the_database(self, client_for, rep):
        client = client_for(rep)
        client.raise_request_exception = False
        response = client.get("/test/error/")
        assert response.status_code == 500
        html = response.content.decode()
        assert "500" in html
        assert "/static/vendor/bootstrap/bootstrap.min.css" in html
        assert "boom" not in html  # no internals leak


class TestRefusalsSayWhy:
    def test_a_rep_editing_another_reps_customer_is_told_why_and_led_back(self, client_for, rep, other_rep):
        from customers.models import Customer

        customer = Customer.objects.create(code="C0001", name="北斗精機", assigned_rep=other_rep)
        response = client_for(rep).get(f"/customers/{customer.pk}/edit/")
        html = response.content.decode()
        assert response.status_code == 403
        assert "この顧客の担当ではないため" in html and "高橋 営業" in html
        assert f'href="/customers/{customer.pk}/" data-testid="refusal-back"' in html

    def test_a_role_refusal_names_the_roles_that_may(self, client_for, rep):
        response = client_for(rep).get("/users/")
        html = response.content.decode()
        assert response.status_code == 403
        assert "営業担当" in html and "管理者" in html and 'data-testid="refusal-back"' not in html
