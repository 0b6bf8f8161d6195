from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.urls import reverse, reverse_lazy

from psm.accounts.models import Account, Contact, InstalledProduct, Priority, Site
from psm.cases.models import CaseStatus, Origin
from psm.lib.forms import MultipleFileField
from psm.team.models import Role, User

SORTS = [("due", "Due first"), ("opened", "Newest"), ("priority", "Priority")]


# Up to this many visible accounts the account filter is a <select>; above it (an
# administrator's 2,000) a text box whose <datalist> suggestions are searched as one types.
ACCOUNT_CHOICES = 100


class CaseFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search")
    account = forms.CharField(required=False, label="Account")
    status = forms.ChoiceField(required=False)
    priority = forms.ChoiceField(required=False)
    breach = forms.ChoiceField(
        required=False,
        choices=[("", "Any SLA"), ("breached", "Breached"), ("ok", "Not breached")],
        label="SLA",
    )
    mine = forms.BooleanField(required=False, label="Mine")
    sort = forms.ChoiceField(required=False, choices=SORTS)

    def __init__(self, *args: Any, accounts: QuerySet[Account], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.accounts = accounts
        # Slugs and names only (no model instances), one more than a <select> may hold.
        choices = list(accounts.order_by("name").values_list("slug", "name")[: ACCOUNT_CHOICES + 1])
        account = self.fields["account"]
        self.account_search = len(choices) > ACCOUNT_CHOICES
        if self.account_search:
            account.widget = forms.TextInput(
                attrs={
                    "list": "account-choices",
                    "autocomplete": "off",
                    "placeholder": "Any account: type a name",
                    "hx-get": reverse("cases:account-choices"),
                    "hx-trigger": "input changed delay:200ms",
                    "hx-target": "#account-choices",
                    "hx-sync": "this:replace",
                }
            )
        else:
            account.widget = forms.Select(choices=[("", "All accounts"), *choices])
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [("", "Active"), ("all", "Any status"), *CaseStatus.choices]
        priority = self.fields["priority"]
        assert isinstance(priority, forms.ChoiceField)
        priority.choices = [("", "Any priority"), *Priority.choices]

    def clean_account(self) -> Account | None:
        """The visible account with this slug (or, typed by hand, exactly this name)."""
        value = (self.cleaned_data.get("account") or "").strip()
        if not value:
            return None
        found = self.accounts.filter(slug=value.lower()).first()
        if found is None:
            found = self.accounts.filter(name__iexact=value).order_by("pk").first()
        if found is None:
            raise forms.ValidationError(f"No account of yours is called “{value}”.")
        return found


def account_choices(accounts: QuerySet[Account], typed: str, limit: int = 20) -> list[Any]:
    """Suggestions for the account filter: names or slugs containing what was typed."""
    typed = typed.strip()
    if not typed:
        return []
    return list(
        accounts.filter(Q(name__icontains=typed) | Q(slug__icontains=typed))
        .order_by("name")
        .values_list("slug", "name")[:limit]
    )


class ContactChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        """ "Alma Client — CTO, Acme": two contacts of the same name can be told apart."""
        role = f"{obj.title}, " if obj.title else ""
        return f"{obj.name} — {role}{obj.account.name}"


class CaseForm(forms.Form):
    """A case entered by staff (a phone call, a hallway conversation, a portal problem)."""

    account = forms.ModelChoiceField(
        queryset=Account.objects.none(),
        to_field_name="slug",
        widget=forms.Select(
            attrs={
                # The same page again, with the account's contacts, sites and products.
                "hx-get": reverse_lazy("cases:create"),
                "hx-trigger": "change",
                "hx-target": "#account-fields",
                "hx-select": "#account-fields",
                "hx-swap": "outerHTML",
            }
        ),
    )
    contact = ContactChoiceField(
        queryset=Contact.objects.none(), required=False, help_text="Who reported it"
    )
    title = forms.CharField(max_length=300)
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.P3)
    origin = forms.ChoiceField(
        choices=[(Origin.PHONE, "Telephone"), (Origin.EMAIL, "E-mail"), (Origin.STAFF, "Other")],
        initial=Origin.PHONE,
        label="Came in by",
    )
    site = forms.ModelChoiceField(queryset=Site.objects.none(), required=False)
    installed_product = forms.ModelChoiceField(
        queryset=InstalledProduct.objects.none(), required=False, label="Product"
    )
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), label="Description")
    acknowledge = forms.BooleanField(
        required=False,
        initial=True,
        label="E-mail the contact an acknowledgement (who has it, by when)",
    )

    # The account's own people, sites and products are offered once it is chosen (htmx
    # swaps them in, see cases/case_form.html); before, nothing from any account.
    SCOPED = ("contact", "site", "installed_product")

    def __init__(self, *args: Any, accounts: QuerySet[Account], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._set("account", accounts)
        slug = self.data.get("account") or self.initial.get("account") or ""
        chosen = accounts.filter(slug=slug).first() if slug else None
        self.chosen_account = chosen
        scope = [chosen.pk] if chosen else []
        self._set(
            "contact",
            Contact.objects.filter(account__in=scope, is_active=True)
            .select_related("account")
            .order_by("name"),
        )
        self._set("site", Site.objects.filter(account__in=scope))
        self._set(
            "installed_product",
            InstalledProduct.objects.filter(account__in=scope).select_related("product"),
        )
        if chosen is None:
            for name in self.SCOPED:
                self.fields[name].help_text = "Choose the account first."

    def _set(self, name: str, queryset: QuerySet[Any]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = queryset

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        account = data.get("account")
        for name in ("contact", "site", "installed_product"):
            obj = data.get(name)
            if obj is not None and account is not None and obj.account_id != account.pk:
                self.add_error(name, f"This belongs to {obj.account}, not {account}.")
        return data


class ReplyForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), label="Reply to the client")
    status = forms.ChoiceField(
        required=False,
        label="Then",
        choices=[
            ("", "keep the status"),
            (CaseStatus.WAITING_ON_CLIENT, "wait on the client (clocks pause)"),
            (CaseStatus.WAITING_ON_PROVIDER, "wait on us"),
            (CaseStatus.RESOLVED, "mark resolved"),
        ],
    )
    attachments = MultipleFileField(label="Attachments")


class NoteForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Internal note")


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=CaseStatus.choices)


class PriorityForm(forms.Form):
    priority = forms.ChoiceField(choices=Priority.choices)
    reason = forms.CharField(required=False, max_length=300)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        queryset=User.objects.filter(role__in=[Role.ENGINEER, Role.MANAGER, Role.ADMIN]),
        required=False,
        empty_label="Nobody",
    )
