"""Demo: Erik Lund (log-in ``erik``, password ``demo``) uses two-step log-in. Add his key
to any authenticator app (base32 ``DEMO_TOTP_BASE32``) or use the recovery code
``demo-demo-demo``. Never run ``psm demo`` in production: these secrets are public."""

from __future__ import annotations

import base64

from django_otp.plugins.otp_totp.models import TOTPDevice

from psm.security.models import RecoveryCode, RecoveryCodeDevice, digest
from psm.team.models import User

DEMO_TOTP_BASE32 = "PSMDEMOPSMDEMOPSMDEMOPSMDEMOPSMD"
DEMO_RECOVERY_CODE = "demo-demo-demo"


def populate() -> dict[str, object]:
    user = User.objects.filter(username="erik").first()
    if user is None:
        return {"mfa": "no demo user erik"}
    key = base64.b32decode(DEMO_TOTP_BASE32).hex()
    TOTPDevice.objects.get_or_create(
        user=user, name="Authenticator app", defaults={"key": key, "confirmed": True}
    )
    device, _ = RecoveryCodeDevice.objects.get_or_create(
        user=user, defaults={"name": "Recovery codes", "confirmed": True}
    )
    RecoveryCode.objects.get_or_create(device=device, digest=digest(DEMO_RECOVERY_CODE))
    return {"mfa": f"erik: key {DEMO_TOTP_BASE32}, recovery code {DEMO_RECOVERY_CODE}"}
