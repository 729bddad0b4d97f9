"""English date and time formats for the portal (British order, 24-hour clock): "3 December
2026", "19 Oct 2026", "13:00". Used through toppleder/dates.py like the Norwegian ones."""

DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
