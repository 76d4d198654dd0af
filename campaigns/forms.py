"""Forms of the campaign screens. The segment builder's fields become the JSON filters campaigns.segments reads."""
from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from crm.choices import DormancyStatus
from crm.dormancy.models import DormancyReason
from customers.models import Customer, Product, Tag

from .models import Campaign, ContactPolicy, DemandSeason, Segment

MONTH_CHOICES = [(m, _("Month %(month)d") % {"month": m}) for m in range(1, 13)]


class ContactPolicyForm(forms.ModelForm):
    class Meta:
        model = ContactPolicy
        fields = ["max_contacts_30d", "max_contacts_180d"]


class DemandSeasonForm(forms.ModelForm):
    class Meta:
        model = DemandSeason
        fields = ["name", "start_month", "start_day", "end_month", "end_day", "repeats_yearly", "year", "note"]


class SegmentForm(forms.Form):
    """The builder: every filter optional; `channel` only chooses which consent and cap the preview applies."""

    name = forms.CharField(label=_("Segment name"), max_length=100, required=False)
    channel = forms.ChoiceField(label=_("Preview for channel"), choices=Campaign.Channel.choices,
                                initial=Campaign.Channel.EMAIL)
    statuses = forms.MultipleChoiceField(label=_("Dormancy status"), choices=DormancyStatus.choices, required=False,
                                         widget=forms.CheckboxSelectMultiple)
    reasons = forms.MultipleChoiceField(label=_("Dormancy reason"), choices=DormancyReason.choices, required=False,
                                        widget=forms.CheckboxSelectMultiple)
    priority_min = forms.FloatField(label=_("Priority from"), min_value=0, max_value=100, required=False)
    priority_max = forms.FloatField(label=_("Priority to"), min_value=0, max_value=100, required=False)
    reps = forms.ModelMultipleChoiceField(label=_("Rep"), queryset=get_user_model().objects.filter(is_active=True),
                                          required=False)
    tags = forms.ModelMultipleChoiceField(label=_("Tags"), queryset=Tag.objects.all(), required=False)
    industries = forms.MultipleChoiceField(label=_("Industry"), required=False)
    prefectures = forms.MultipleChoiceField(label=_("Prefecture"), required=False)
    fiscal_months = forms.TypedMultipleChoiceField(label=_("Fiscal year-end month"), choices=MONTH_CHOICES,
                                                   coerce=int, required=False)
    products = forms.ModelMultipleChoiceField(label=_("Product"), queryset=Product.objects.all(), required=False)
    categories = forms.MultipleChoiceField(label=_("Product category"), required=False)
    product_mode = forms.ChoiceField(label=_("Product / category"), required=False, initial="bought",
                                     choices=[("bought", _("bought it")), ("never", _("never bought it"))])
    last_purchase_from = forms.DateField(label=_("Last purchase from"), required=False,
                                         widget=forms.DateInput(attrs={"type": "date"}))
    last_purchase_to = forms.DateField(label=_("Last purchase to"), required=False,
                                       widget=forms.DateInput(attrs={"type": "date"}))
    spend_min = forms.IntegerField(label=_("Past spend from (yen)"), min_value=0, required=False)
    spend_max = forms.IntegerField(label=_("Past spend to (yen)"), min_value=0, required=False)
    next_purchase_within_days = forms.IntegerField(label=_("Next expected purchase within (days)"), min_value=0,
                                                   max_value=730, required=False)
    clicked_campaigns = forms.ModelMultipleChoiceField(
        label=_("Clicked a link in these campaigns' e-mails"), required=False,
        queryset=Campaign.objects.exclude(state=Campaign.State.DRAFT).filter(steps__channel=Campaign.Channel.EMAIL)
        .distinct().order_by("-starts_on"))
    clicked_within_days = forms.IntegerField(label=_("Clicked a campaign e-mail within (days)"), min_value=1,
                                             max_value=730, required=False)

    FILTER_FIELDS = ("statuses", "reasons", "priority_min", "priority_max", "reps", "tags", "industries",
                     "prefectures", "fiscal_months", "products", "categories", "product_mode",
                     "last_purchase_from", "last_purchase_to", "spend_min", "spend_max", "next_purchase_within_days",
                     "clicked_campaigns", "clicked_within_days")

    def __init__(self, *args, segment=None, **kwargs):
        if segment is not None and not args and "initial" not in kwargs:
            kwargs["initial"] = {"name": segment.name, **segment.filters}
        super().__init__(*args, **kwargs)
        # Choices from the data: the distinct values (a few dozen), read once per form.
        values = Customer.objects.order_by()
        self.fields["industries"].choices = [(v, v) for v in values.exclude(industry="").values_list(
            "industry", flat=True).distinct().order_by("industry")]
        self.fields["prefectures"].choices = [(v, v) for v in values.exclude(prefecture="").values_list(
            "prefecture", flat=True).distinct().order_by("prefecture")]
        self.fields["categories"].choices = [(v, v) for v in Product.objects.exclude(category="").values_list(
            "category", flat=True).distinct().order_by("category")]

    def filters(self):
        """The cleaned filters as stored JSON: only the keys that were set, ids and ISO dates."""
        data = self.cleaned_data
        result = {}
        for name in self.FILTER_FIELDS:
            value = data.get(name)
            if value in (None, "", []) or (hasattr(value, "exists") and not value):
                continue
            if name in ("reps", "tags", "products", "clicked_campaigns"):
                value = sorted(obj.pk for obj in value)
            elif name in ("last_purchase_from", "last_purchase_to"):
                value = value.isoformat()
            elif name == "product_mode" and not (data.get("products") or data.get("categories")):
                continue
            result[name] = value
        return result

    def clean(self):
        data = super().clean()
        low, high = data.get("priority_min"), data.get("priority_max")
        if low is not None and high is not None and low > high:
            self.add_error("priority_max", _("The upper bound is below the lower bound."))
        return data


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = ["name", "starts_on", "ends_on", "approach", "channel", "segment", "timing", "timing_offset",
                  "include_lost", "control_share_percent", "note"]
        widgets = {"starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["segment"].queryset = Segment.objects.all()
        self.fields["segment"].required = False
        self.fields["segment"].empty_label = _("Everyone (no segment)")

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("The period ends before it starts."))
        if data.get("approach") == Campaign.Approach.SEGMENT and not data.get("segment"):
            self.add_error("segment", _("Choose the segment this campaign targets."))
        return data

    def service_fields(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}
