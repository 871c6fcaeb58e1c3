"""Account pages: sign-in, password change, user management."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from povcensus.accounts.forms import GrantForm, PasswordChangeForm, UserCreateForm, UserEditForm
from povcensus.accounts.models import RoleChoices, RoleGrant, User
from povcensus.accounts.roles import Role
from povcensus.accounts.selectors import access_user, user_list
from povcensus.accounts.services import (
    UserSpec,
    grant_add,
    grant_remove,
    password_change,
    password_reset,
    user_create,
    user_set_active,
    user_update,
)
from povcensus.audit.services import audit_record
from povcensus.core.errors import NOT_FOUND, ApplicationError


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        with transaction.atomic():
            audit_record(
                actor=self.request.user,
                action="accounts.login",
                object_type="user",
                object_id=self.request.user.pk,
            )
        return response


def login_locked_out(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    """Shown by django-axes after too many failed sign-ins."""
    return render(request, "accounts/locked_out.html", status=429)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


@login_required
def password_change_view(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_change(
                user=request.user,  # type: ignore[arg-type]
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            # The new password rotates the session hash: sign in again to keep the session.
            user: User = request.user  # type: ignore[assignment]
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("密码已修改。"))
            return redirect("home")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "first": request.GET.get("first") == "1"},
    )


@login_required
def user_list_view(request: HttpRequest) -> HttpResponse:
    users = user_list(
        actor=request.user,
        role=request.GET.get("role") or None,
        area_code=request.GET.get("area") or None,
        search=request.GET.get("q") or None,
    )
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    template = "accounts/_user_rows.html" if request.htmx else "accounts/user_list.html"  # type: ignore[attr-defined]
    return render(
        request, template, {"page": page, "roles": RoleChoices.choices, "filters": request.GET}
    )


@login_required
def user_create_view(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        spec = UserSpec(
            username=data["username"].strip(),
            full_name=data["full_name"],
            phone=data["phone"].strip(),
            role=Role(data["role"]),
            area_code=data["area_code"].strip() or None,
            home_township_code=data["home_township_code"].strip() or None,
        )
        try:
            user, password = user_create(actor=request.user, spec=spec)
        except ApplicationError as error:
            form.add_error(None, f"[{error.code}] {error.message}")
        else:
            return render(
                request, "accounts/password_once.html", {"account": user, "password": password}
            )
    return render(request, "accounts/user_form.html", {"form": form})


@login_required
def user_detail_view(request: HttpRequest, user_id: int) -> HttpResponse:
    account = access_user(actor=request.user, user_id=user_id)
    edit_form = UserEditForm(
        request.POST if request.POST.get("op") == "edit" else None,
        initial={
            "full_name": account.full_name,
            "phone": account.phone,
            "home_township_code": account.home_township_id or "",
        },
    )
    grant_form = GrantForm(request.POST if request.POST.get("op") == "grant" else None)
    if request.method == "POST":
        op = request.POST.get("op")
        try:
            if op == "edit" and edit_form.is_valid():
                user_update(
                    actor=request.user,
                    user=account,
                    full_name=edit_form.cleaned_data["full_name"],
                    phone=edit_form.cleaned_data["phone"].strip(),
                    home_township_code=edit_form.cleaned_data["home_township_code"].strip() or None,
                )
                messages.success(request, _("账号信息已保存。"))
                return redirect("accounts:user_detail", user_id=account.pk)
            if op == "grant" and grant_form.is_valid():
                grant_add(
                    actor=request.user,
                    user=account,
                    role=Role(grant_form.cleaned_data["role"]),
                    area_code=grant_form.cleaned_data["area_code"].strip() or None,
                )
                messages.success(request, _("已授予角色。"))
                return redirect("accounts:user_detail", user_id=account.pk)
            if op == "revoke":
                grant = RoleGrant.objects.filter(
                    pk=request.POST.get("grant", "0"), user=account
                ).first()
                if grant is None:
                    raise ApplicationError(NOT_FOUND)
                grant_remove(actor=request.user, grant=grant)
                messages.success(request, _("已收回角色。"))
                return redirect("accounts:user_detail", user_id=account.pk)
            if op == "reset":
                password = password_reset(actor=request.user, user=account)
                return render(
                    request,
                    "accounts/password_once.html",
                    {"account": account, "password": password},
                )
            if op in ("deactivate", "activate"):
                user_set_active(actor=request.user, user=account, active=op == "activate")
                messages.success(request, _("账号状态已更新。"))
                return redirect("accounts:user_detail", user_id=account.pk)
        except ApplicationError as error:
            messages.error(request, f"[{error.code}] {error.message}")
    grants = account.grants.select_related("area").all()
    return render(
        request,
        "accounts/user_detail.html",
        {"account": account, "grants": grants, "edit_form": edit_form, "grant_form": grant_form},
    )
