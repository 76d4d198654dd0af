"""Widgets written in Python where Django's templates cost too much for the page."""
from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


class QuickSelect(forms.Select):
    """forms.Select with the same HTML, its options written in Python: Django renders each option through its own
    template include, which made the worklist's two rep selects (500 reps) cost about 0.25 s of the page."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []  # mark_safe below only on flatatt() output (it escapes) and on parts format_html built
        for group_name, options, _index in widget["optgroups"]:
            html = format_html_join("", '<option value="{}"{}>{}</option>', (
                ("" if o["value"] is None else str(o["value"]), mark_safe(flatatt(o["attrs"])), o["label"])
                for o in options))
            groups.append(format_html('<optgroup label="{}">{}</optgroup>', group_name, html) if group_name else html)
        return format_html('<select name="{}"{}>{}</select>', widget["name"], mark_safe(flatatt(widget["attrs"])),
                           mark_safe("".join(groups)))
