from shop.cart import cart_total, line_total


def test_no_discount():
    assert line_total(650, 2) == 1300


def test_ten_percent():
    assert line_total(1000, 1, 10) == 900


def test_cart_of_two_lines():
    assert cart_total([(1000, 1, 10), (500, 2)]) == 1900
