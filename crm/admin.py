from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "role", "email", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = (*BaseUserAdmin.fieldsets, (_("Mezame"), {"fields": ("display_name", "role")}))
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, (_("Mezame"), {"fields": ("display_name", "role")}))
