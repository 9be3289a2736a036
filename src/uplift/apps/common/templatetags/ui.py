"""Small presentation helpers shared by every list and detail template.

``{% load ui %}`` then:

- ``{% sort_header "name" "Name" %}``: a sortable ``<th>`` for ObjectListView tables
  (an optional third argument is the cell's class, e.g. ``"num"``);
- ``{{ text|highlight:query }}``: ``text`` escaped, each match of a query word in ``<mark>``;
- ``{{ "SP 1.1"|anchor }}``: the fragment id for deep links (``sp-1-1``);
- ``{{ duration|minutes }}``: whole minutes of a timedelta, rounded up.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta
from typing import Any

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(context: dict[str, Any], key: str, label: str, css_class: str = "") -> SafeString:
    """A table header that sorts by ``key``, toggling the direction when already sorted by it.

    Carries the other query parameters, resets the page, and sets ``aria-sort``.
    """
    request = context["request"]
    current = context.get("sort", "")
    params = request.GET.copy()
    params.pop("page", None)
    if current == key:
        params["sort"], aria_sort, marker = f"-{key}", "ascending", "▲"
    elif current == f"-{key}":
        params["sort"], aria_sort, marker = key, "descending", "▼"
    else:
        params["sort"], aria_sort, marker = key, "none", ""
    url = f"?{params.urlencode()}"
    return format_html(
        '<th scope="col" class="{}" aria-sort="{}"><a href="{}" hx-get="{}">{}'
        '<span class="sort-marker" aria-hidden="true">{}</span></a></th>',
        css_class,
        aria_sort,
        url,
        url,
        label,
        marker,
    )


@register.filter
def highlight(text: object, query: str | None) -> SafeString:
    """Escape ``text`` and wrap each case-insensitive occurrence of a word of ``query``
    in ``<mark>``."""
    text = "" if text is None else str(text)
    words = sorted(set((query or "").split()), key=len, reverse=True)  # longest match first
    if not words:
        return escape(text)
    pattern = "|".join(re.escape(word) for word in words)
    parts = re.split(f"({pattern})", text, flags=re.IGNORECASE)
    # split with one capturing group alternates text, match, text, ...
    html = "".join(
        f"<mark>{escape(part)}</mark>" if index % 2 else str(escape(part))
        for index, part in enumerate(parts)
    )
    return mark_safe(html)  # noqa: S308 (every part is escaped above)


@register.filter
def anchor(identifier: object) -> str:
    """The fragment id of a goal or practice identifier: ``SP 1.1`` → ``sp-1-1``."""
    return re.sub(r"[^a-z0-9]+", "-", str(identifier).lower()).strip("-")


@register.filter
def minutes(duration: timedelta | None) -> int:
    """Whole minutes of a duration, rounded up (a lock-out of 14m30s reads as 15)."""
    if duration is None:
        return 0
    return math.ceil(duration.total_seconds() / 60)


@register.filter
def entered(value: object, places: int = 4) -> object:
    """A number someone typed, as they typed it: at most ``places`` decimals and no
    trailing zeros (a target of 99.5 reads ``99.5``, not ``floatformat``'s ``99.5000``).
    Anything that is not a number is returned as it is."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        return value
    text = f"{value:.{int(places)}f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text
