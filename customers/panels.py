"""Panels that apps above customers add to the customer card, so the card shows them without importing them.

Dependencies run one way (crm ← customers ← dormancy ← campaigns / visits): the card cannot import the dormancy
engine, so the engine registers its panel here from its AppConfig.ready():

    register_card_panel("dormancy", template="dormancy/partials/customer_dormancy.html",
                        context=selectors.customer_dormancy_panel, permission="dormancy.view", order=10)

The card view calls card_panels(customer=…, user=…): each panel's context function runs there, in the view (so
the view's query count shows every panel's reads), and the card's template includes each panel's template with
its data as `panel`.
"""
from collections.abc import Callable
from dataclasses import dataclass

from crm.permissions import can


@dataclass(frozen=True)
class CardPanel:
    name: str  # also the section's data-testid: "<name>-panel"
    template: str
    context: Callable  # (customer, user) -> dict, read-only
    permission: str = "customers.view"
    order: int = 100


_PANELS = {}


def register_card_panel(name, *, template, context, permission="customers.view", order=100):
    """Add (or replace, so a repeated ready() is harmless) a panel of the customer card."""
    _PANELS[name] = CardPanel(name=name, template=template, context=context, permission=permission, order=order)


def unregister_card_panel(name):
    _PANELS.pop(name, None)


def card_panels(*, customer, user):
    """[{name, template, data}] of the panels `user` may see, in their order, with their data read now."""
    panels = sorted(_PANELS.values(), key=lambda p: (p.order, p.name))
    return [
        {"name": p.name, "template": p.template, "data": p.context(customer, user)}
        for p in panels
        if can(user, p.permission)
    ]
