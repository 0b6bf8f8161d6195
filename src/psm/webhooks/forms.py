from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from psm.accounts.models import Account
from psm.webhooks import services
from psm.webhooks.catalog import EVENTS
from psm.webhooks.models import DeliveryStatus


class EndpointForm(forms.Form):
    url = forms.URLField(
        label="URL",
        max_length=2000,
        assume_scheme="https",
        help_text="Where PSM POSTs each event (https:// recommended). Redirects are not followed.",
    )
    description = forms.CharField(max_length=200, required=False)
    account = forms.ModelChoiceField(
        queryset=Account.objects.none(),
        required=False,
        help_text="Whose events it receives.",
    )
    events = forms.MultipleChoiceField(
        choices=[(name, f"{name}: {doc}") for name, doc in EVENTS.items()],
        widget=forms.CheckboxSelectMultiple,
        label="Events",
    )

    def __init__(self, *args: Any, accounts: Any, installation: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["account"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = accounts.order_by("name")
        self.installation = installation
        if installation:
            field.empty_label = "The installation (every account)"
        else:
            field.required = True
            field.empty_label = None

    def clean_url(self) -> str:
        return services.clean_url(self.cleaned_data["url"])

    def clean_events(self) -> list[str]:
        return services.clean_events(self.cleaned_data["events"])

    def clean_account(self) -> Account | None:
        account: Account | None = self.cleaned_data.get("account")
        if account is None and not self.installation:
            raise ValidationError("Choose the account whose events it receives.")
        return account

    def spec(self) -> services.EndpointSpec:
        data = self.cleaned_data
        return services.EndpointSpec(
            url=data["url"],
            events=data["events"],
            account=data["account"],
            description=data["description"],
        )


class DeliveryFilter(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Any status"), *DeliveryStatus.choices],
        required=False,
        widget=forms.Select(attrs={"aria-label": "Status"}),
    )
    event = forms.ChoiceField(
        choices=[("", "Any event"), *((name, name) for name in EVENTS)],
        required=False,
        widget=forms.Select(attrs={"aria-label": "Event"}),
    )
