"""HTML to PDF with WeasyPrint, offline: the one renderer of every PDF the site makes
(appraisal report, process action plan, organization dashboard).

The document carries its stylesheet inline and loads nothing: the URL fetcher accepts
``data:`` URLs only and refuses every other URL, so rendering never touches the
network or the file system.
"""

from __future__ import annotations

from typing import Any

__all__ = ["html_to_pdf"]


def _refuse_remote(url: str, timeout: int = 10, ssl_context: Any = None) -> dict[str, Any]:
    """WeasyPrint's URL fetcher: inline ``data:`` URLs only; anything else is refused."""
    if url.startswith("data:"):
        # Imported late for the reason given in html_to_pdf, which runs first.
        from weasyprint.urls import default_url_fetcher

        return default_url_fetcher(url, timeout=timeout, ssl_context=ssl_context)
    raise ValueError(f"a PDF of Uplift loads nothing from {url}")


def html_to_pdf(html: str) -> bytes:
    """``html`` (a whole document with inline styles) as PDF bytes."""
    # Imported here, not at the top: WeasyPrint (and Pango behind it) takes over half a
    # second to import and only the PDFs need it; the site and the CLI start without it.
    import weasyprint

    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=_refuse_remote)
    pdf: bytes = document.write_pdf()
    return pdf
