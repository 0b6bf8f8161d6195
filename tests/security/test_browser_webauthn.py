"""Security keys (WebAuthn, django-otp-webauthn) in a real browser: Chromium's virtual
authenticator registers a key on the Security page, then answers the second log-in step."""

from __future__ import annotations

from typing import Any

import pytest
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import expect

from psm.audit.models import AuditEntry
from psm.testing.book import Book
from psm.testing.browser import OpenBrowser, browser

__all__ = ["browser"]

pytestmark = pytest.mark.browser


def test_register_a_key_and_log_in_with_it(
    browser: OpenBrowser, book: Book, live_server: Any, settings: Any
) -> None:
    # Browsers allow WebAuthn on plain http only at "localhost".
    origin = live_server.url.replace("127.0.0.1", "localhost")
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [origin]
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    context = browser()
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    page.goto(f"{origin}/login/")
    page.get_by_label("User name").fill("alice")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    page.goto(f"{origin}/mfa/")
    page.get_by_role("button", name="Add a security key").click()
    expect(page.locator("#passkey-register-status-message")).not_to_be_empty()
    assert WebAuthnCredential.objects.filter(user=book.alice, confirmed=True).count() == 1
    assert AuditEntry.objects.filter(action="mfa.key_added", actor=book.alice).exists()
    # Back on the Security page: the first factor brings the recovery codes, shown once.
    page.goto(f"{origin}/mfa/")
    expect(page.get_by_text("this is the only time PSM shows them")).to_be_visible()
    expect(page.locator("ol.codes li")).to_have_count(10)
    page.get_by_role("link", name="I have saved them").click()
    expect(page.get_by_role("cell", name="Security key or passkey")).to_be_visible()

    page.get_by_role("button", name="Log out").first.click()
    page.goto(f"{origin}/login/")
    page.get_by_label("User name").fill("alice")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{origin}/my-day/")
    expect(page).to_have_url(f"{origin}/mfa/verify/?next=%2Fmy-day%2F")
    page.get_by_role("button", name="Use a security key").click()
    expect(page).to_have_url(f"{origin}/my-day/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
