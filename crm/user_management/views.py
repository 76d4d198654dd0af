"""User administration pages for administrators (the Django admin stays for superusers only)."""
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from crm.permissions import require
from crm.roles import Role

from .forms import UserCreateForm, UserEditForm, UserPasswordForm
from .services import user_create, user_set_password, user_update

User = get_user_model()


def user_list(request):
    require(request.user, "users.manage")
    show = request.GET.get("show", "active")
    users = User.objects.order_by("-is_active", "role", "display_name", "username")
    if show == "active":
        users = users.filter(is_active=True)
    elif show == "inactive":
        users = users.filter(is_active=False)
    return render(request, "crm/users/list.html", {"users": users, "show": show, "roles": Role})


def user_create_view(request):
    require(request.user, "users.manage")
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = user_create(by=request.user, username=data["username"], display_name=data["display_name"],
                           email=data["email"], role=data["role"], password=data["password1"])  # fmt: skip
        messages.success(request, _("%(name)s can now sign in as “%(username)s”.") % {
            "name": user, "username": user.username})
        return redirect("users:list")
    return render(request, "crm/users/form.html", {"form": form})


def user_edit_view(request, pk):
    require(request.user, "users.manage")
    target = get_object_or_404(User, pk=pk)
    initial = {"display_name": target.display_name, "email": target.email, "role": target.role,
               "is_active": target.is_active}  # fmt: skip
    form = UserEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            user_update(by=request.user, user=target, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("users:list")
    return render(request, "crm/users/form.html", {"form": form, "target": target})


def user_password_view(request, pk):
    require(request.user, "users.manage")
    target = get_object_or_404(User, pk=pk)
    form = UserPasswordForm(target, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user_set_password(by=request.user, user=target, password=form.cleaned_data["new_password1"])
        messages.success(request, _("The password of %(name)s was reset. Tell them to change it after signing in.") % {
            "name": target})
        return redirect("users:list")
    return render(request, "crm/users/password.html", {"form": form, "target": target})
