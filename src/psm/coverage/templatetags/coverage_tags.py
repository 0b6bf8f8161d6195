from django import template

register = template.Library()


@register.filter
def name_of(username: str, names: dict[str, str]) -> str:
    """A routing target's display name (usernames and queue names pass through)."""
    return names.get(username, username)
