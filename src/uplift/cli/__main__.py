"""``python -m uplift.cli``: the ``uplift`` command (``uplift serve`` starts its worker so)."""

from uplift.cli import main

main()
