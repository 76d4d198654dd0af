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


@register.simple_tag(takes_context=True)
def include_data(context, template_name, data):
    """Render a partial with a dict of data the view prepared, on top of the page's context.

    Card panels and home sections get their data in the view (so its query count shows every read); this
    renders their partials with that data as top-level names, like an inclusion tag would, without the tag
    reading anything itself.
    """
    with context.push(**data):
        return context.template.engine.get_template(template_name).render(context)
