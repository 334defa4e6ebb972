"""Category icons: symbols of the vendored sprite static/icons/categories.svg (no CDN).

Staff pick a category's icon by name in the admin; a name the sprite lacks shows the generic
"category" icon.
"""

from django.templatetags.static import static
from django.utils.html import format_html

SPRITE = "icons/categories.svg"
ICON_NAMES = {
    "music": "Music note",
    "languages": "Speech bubbles",
    "book": "Book",
    "dumbbell": "Dumbbell",
    "palette": "Palette",
    "dance": "Dancer",
    "laptop": "Laptop",
    "child": "Child",
    "sparkles": "Sparkles",
    "category": "Generic (four squares)",
}
FALLBACK = "category"


def icon_svg(name: str, *, size: int = 24, css_class: str = "category-icon"):
    """An inline <svg> using the sprite's symbol (decorative: the category's name says the rest)."""
    symbol = name if name in ICON_NAMES else FALLBACK
    return format_html(
        '<svg class="{}" width="{}" height="{}" aria-hidden="true" focusable="false">'
        '<use href="{}#icon-{}"></use></svg>',
        css_class, size, size, static(SPRITE), symbol,
    )  # fmt: skip
