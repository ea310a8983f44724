"""Discounts."""


def discounted(amount_cents, discount_pct):
    """Returns amount_cents reduced by discount_pct percent, in cents."""
    factor = 1 - discount_pct / 100
    return int(amount_cents * factor)
