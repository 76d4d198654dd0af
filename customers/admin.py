"""Admin for the customer master: a fallback for administrators, with history (the app's screens are the main UI)."""
from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from customers.models import Contact, Customer, ImportBatch, Inquiry, Tag, Touchpoint


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "department", "title", "phone", "email", "is_decision_maker", "is_active"]


@admin.register(Customer)
class CustomerAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "lifecycle", "assigned_rep", "prefecture", "phone", "updated_at"]
    list_filter = ["lifecycle", "kind", "is_key_account", "source"]
    search_fields = ["code", "name", "name_kana", "phone_key", "email_key"]
    list_select_related = ["assigned_rep"]
    raw_id_fields = ["assigned_rep"]
    filter_horizontal = ["tags"]
    inlines = [ContactInline]

    def has_delete_permission(self, request, obj=None):
        # Hard deletion only through a personal-data deletion request (customers.maintenance.deletion).
        return False


@admin.register(Contact)
class ContactAdmin(SimpleHistoryAdmin):
    list_display = ["name", "customer", "department", "phone", "email", "is_active"]
    search_fields = ["name", "name_kana", "phone_key", "email_key", "customer__code"]
    raw_id_fields = ["customer"]


@admin.register(Touchpoint)
class TouchpointAdmin(admin.ModelAdmin):
    list_display = ["customer", "occurred_at", "author", "department", "channel"]
    list_filter = ["department", "channel"]
    raw_id_fields = ["customer", "author"]
    date_hierarchy = "occurred_at"


admin.site.register(Tag)


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["original_name", "kind", "state", "total_rows", "error_count", "uploaded_by", "created_at"]
    list_filter = ["kind", "state"]
    readonly_fields = ["errors", "options"]


@admin.register(Inquiry)
class InquiryAdmin(admin.ModelAdmin):
    """Read-only: inquiries are decided in the review queue, where accepting writes the touchpoint."""

    list_display = ["created_at", "name", "company", "email", "customer", "matched_by", "state", "reviewed_by"]
    list_filter = ["state", "matched_by"]
    search_fields = ["name", "company", "email", "phone", "customer__code"]
    raw_id_fields = ["customer", "reviewed_by", "touchpoint"]
    date_hierarchy = "created_at"

    def has_change_permission(self, request, obj=None):
        return False
