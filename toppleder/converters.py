"""URL converters. `<id:pk>` is `<int:pk>` bounded to what a database id can be (18 digits),
so an absurd number in an address is a 404, not an overflow in the database."""

from django.urls import register_converter
from django.urls.converters import IntConverter


class IdConverter(IntConverter):
    regex = "[0-9]{1,18}"


register_converter(IdConverter, "id")
