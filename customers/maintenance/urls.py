"""List-maintenance URLs, included under /customers/maintenance/ in the customers namespace."""
from django.urls import path

from .views import merge, records, worklist

urlpatterns = [
    path("", worklist.worklist, name="worklist"),
    path("bulk/", worklist.worklist_bulk, name="worklist_bulk"),
    path("rules/", records.rules, name="review_rules"),
    path("rules/evaluate/", worklist.rules_evaluate, name="review_rules_evaluate"),
    path("merge/", merge.merge_wizard, name="merge_wizard"),
    path("merges/", merge.merge_list, name="merge_list"),
    path("merges/<int:pk>/", merge.merge_detail, name="merge_detail"),
    path("merges/<int:pk>/undo/", merge.merge_undo, name="merge_undo"),
    path("customers/<int:pk>/retire/", records.retire, name="retire"),
    path("customers/<int:pk>/unretire/", records.unretire, name="unretire"),
    path("customers/<int:pk>/deletion/", records.deletion_new, name="deletion_new"),
    path("deletions/", records.deletion_list, name="deletion_list"),
    path("deletions/<int:pk>/", records.deletion_detail, name="deletion_detail"),
]
