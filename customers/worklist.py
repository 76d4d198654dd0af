"""Worklist sources that apps above customers add to the maintainer's worklist, without customers importing them.

Dependencies run one way (crm ← customers ← dormancy ← campaigns / visits), so e.g. visits registers its lists
from its AppConfig.ready():

    register_worklist_source("rep_suggestions", label=_("Suggestions from reps waiting"),
                             count_fn=lambda: suggestions.filter(state="open").values("customer").distinct().count(),
                             queryset_fn=lambda: Customer.objects.filter(pk__in=open_suggestions.values("customer")))

`queryset_fn()` returns a Customer QuerySet (never evaluated by the registry); `count_fn()` returns an int in one
query (set-based, so the worklist page stays a handful of queries). A source may also be named by a review rule
(customers.ReviewRule, kind "source") so its records are flagged for review.
"""
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class WorklistSource:
    key: str
    label: str
    count_fn: Callable  # () -> int
    queryset_fn: Callable  # () -> QuerySet[Customer]
    order: int = 100


_SOURCES = {}


def register_worklist_source(key, label, count_fn, queryset_fn, *, order=100):
    """Add (or replace, so a repeated ready() is harmless) a worklist source."""
    _SOURCES[key] = WorklistSource(key=key, label=label, count_fn=count_fn, queryset_fn=queryset_fn, order=order)


def unregister_worklist_source(key):
    _SOURCES.pop(key, None)


def worklist_sources():
    """The registered sources in their order."""
    return sorted(_SOURCES.values(), key=lambda s: (s.order, s.key))


def worklist_source(key):
    """The source registered under key, or None."""
    return _SOURCES.get(key)
