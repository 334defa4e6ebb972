"""How the catalog writes prices: whole dollars without cents, otherwise to the cent."""


def dollars(cents: int | None) -> str:
    """4500 → "$45", 4550 → "$45.50", 850050 → "$8,500.50" (prices before the booking fee)."""
    if cents is None:
        return ""
    whole, rest = divmod(int(cents), 100)
    return f"${whole:,}" if rest == 0 else f"${whole:,}.{rest:02d}"
