"""Template helpers: permission checks and small display filters shared by every app."""
from django import template

from crm import permissions

register = template.Library()


@register.filter
def can(user, action):
    """{% if request.user|can:"customers.export" %} — role-level check."""
    return permissions.can(user, action)


@register.simple_tag
def can_on(user, action, obj):
    """{% can_on request.user "customers.edit" customer as may_edit %} — record-level check."""
    return permissions.can(user, action, obj)


@register.filter
def yen(value):
    """12345 -> ￥12,345 (empty for None)."""
    if value is None or value == "":
        return ""
    return f"￥{int(value):,}"


@register.simple_tag(takes_context=True)
def query_with(context, **kwargs):
    """The current query string with some parameters replaced (pagination, sorting)."""
    query = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()
