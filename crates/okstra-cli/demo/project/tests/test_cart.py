import unittest

from shop.cart import cart_total, line_total


class CartTest(unittest.TestCase):
    def test_ten_percent(self):
        self.assertEqual(line_total(1000, 1, 10), 900)

    def test_no_discount(self):
        self.assertEqual(line_total(650, 2), 1300)

    def test_cart_of_two_lines(self):
        self.assertEqual(cart_total([(1000, 1, 10), (500, 2)]), 1900)
