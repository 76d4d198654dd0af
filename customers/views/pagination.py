"""A paginator that stops counting: on a million customers an exact count of a broad filter costs more than the page."""
from django.core.paginator import Paginator
from django.utils.functional import cached_property

COUNT_CAP = 1_000  # past this a list is for exporting or filtering, not for paging through


class CappedPaginator(Paginator):
    """Counts at most COUNT_CAP + 1 rows (SELECT COUNT(*) FROM (… LIMIT n)); `is_capped` tells the template."""

    cap = COUNT_CAP

    @cached_property
    def count(self):
        counted = self.object_list.order_by().values("pk")[: self.cap + 1].count()
        self.is_capped = counted > self.cap
        return min(counted, self.cap)

    is_capped = False
