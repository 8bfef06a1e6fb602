"""Money: Decimal only, and the one rounding rule every amount goes through."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def round_money(value: Decimal) -> Decimal:
    """Half up (away from zero on a tie) to the cent: the one rounding of money. A tiny
    negative amount rounds to 0.00, not -0.00 (which would print with its sign)."""
    if not isinstance(value, Decimal):
        raise TypeError(f"money must be a Decimal, got {type(value).__name__}")
    rounded = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return rounded.copy_abs() if rounded.is_zero() else rounded
