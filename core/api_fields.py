"""Request fields every app's API shares."""

from rest_framework import serializers

from core.numbers import NumberError, parse_decimal


class DecimalInputField(serializers.DecimalField):
    """DRF's decimal field read by `core.numbers.parse_decimal`: the size is
    checked on the text, before any arithmetic, and a message quotes only a prefix."""

    def to_internal_value(self, data):
        try:
            value = parse_decimal(
                data if isinstance(data, (str, int)) else str(data),
                max_digits=self.max_digits,
                decimal_places=self.decimal_places,
            )
        except NumberError as error:
            raise serializers.ValidationError(error.message, code=error.code) from error
        return self.quantize(value)
