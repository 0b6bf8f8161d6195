from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "psm.security"
    label = "security"
    verbose_name = "Security: MFA, log-in throttling, CSP reports"

    def ready(self) -> None:
        from psm.security import signals  # noqa: F401  (connects user_logged_in)
