from django import forms

from .models import CampaignStep
from .step_services import EDITABLE


class StepForm(forms.ModelForm):
    class Meta:
        model = CampaignStep
        fields = EDITABLE
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}
