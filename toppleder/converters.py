"""URL converters that bound what an address may hold, so an absurd value is a 404 before
any view (or sign-in redirect) runs:

- `<id:pk>`: `<int:pk>` bounded to what a database id can be (18 digits), so a huge number is
  not an overflow in the database;
- `<key:name>`: `<slug:name>` bounded to 64 characters (measure-area keys, group kinds).
"""

from django.urls import register_converter
from django.urls.converters import IntConverter, SlugConverter


class IdConverter(IntConverter):
    regex = "[0-9]{1,18}"


class KeyConverter(SlugConverter):
    regex = "[-a-zA-Z0-9_]{1,64}"


register_converter(IdConverter, "id")
register_converter(KeyConverter, "key")
