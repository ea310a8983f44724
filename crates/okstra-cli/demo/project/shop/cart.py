"""Shopping cart totals."""

from shop.pricing import discounted


def line_total(price_cents, quantity, discount_pct=0):
    """Returns the total of one cart line, in cents."""
    return discounted(price_cents * quantity, discount_pct)


def cart_total(lines):
    """Returns the total of a cart (lines of price, quantity, discount), in cents."""
    return sum(line_total(*line) for line in lines)
