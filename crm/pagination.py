"""A paginator that stops counting: on a million customers an exact count of a broad filter costs more than the page.

It also chooses how the page is read, from what the count found. The count query collects the primary keys of
at most COUNT_CAP + 1 matching rows (no ORDER BY, so PostgreSQL stops at the cap). Then:

- at most COUNT_CAP matches (a selective filter or search): the page is read from those keys only
  (`pk IN (…)` plus the original filters), so the database sorts at most COUNT_CAP rows. Left to itself
  with ORDER BY code LIMIT 25 it may walk the whole code index hoping to meet 25 matches early.
- more matches: the list is broad, so walking the sort key's index and skipping non-matching rows meets a
  page of matches quickly; collecting and sorting tens of thousands of matches would not.

Either way the rows and their order are exactly those of the queryset given: only the plan differs.
"""
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

COUNT_CAP = 1_000  # past this a list is for exporting or filtering, not for paging through


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 rows; `is_capped` tells the template ("1,000+")."""

    cap = COUNT_CAP
    is_capped = False
    _matching_pks = None  # the keys of every match when there are at most `cap` of them

    def _is_pk_readable(self):
        query = getattr(self.object_list, "query", None)
        return isinstance(self.object_list, QuerySet) and not query.is_sliced and not query.combinator

    @cached_property
    def count(self):
        if not self._is_pk_readable():
            return super().count
        pks = list(self.object_list.order_by().values_list("pk", flat=True)[: self.cap + 1])
        self.is_capped = len(pks) > self.cap
        if not self.is_capped:
            self._matching_pks = pks
        return min(len(pks), self.cap)

    def page(self, number):
        number = self.validate_number(number)  # runs the count, which sets _matching_pks
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = self.object_list
        if self._matching_pks is not None:
            rows = rows.filter(pk__in=self._matching_pks)
        return self._get_page(rows[bottom:top], number, self)
