"""Admin: the frequency cap (ContactPolicy) is set here by a superuser; seasons and campaigns are read-mostly."""
from django.contrib import admin

from .models import Campaign, ContactPolicy, DemandSeason, Segment


@admin.register(ContactPolicy)
class ContactPolicyAdmin(admin.ModelAdmin):
    list_display = ["max_contacts_30d", "max_contacts_180d", "updated_at"]

    def has_add_permission(self, request):
        return not ContactPolicy.objects.exists()  # one row for the company


@admin.register(DemandSeason)
class DemandSeasonAdmin(admin.ModelAdmin):
    list_display = ["name", "start_month", "start_day", "end_month", "end_day", "repeats_yearly"]


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "updated_at"]
    readonly_fields = ["filters", "version"]


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["name", "starts_on", "ends_on", "channel", "state", "launched_by", "launched_at"]
    list_filter = ["state", "channel"]
    readonly_fields = ["state", "launched_by", "launched_at", "launch_counts"]
