"""Norwegian (bokmål) date and time formats, as Språkrådet writes them: "3. desember 2026",
"19. okt. 2026" (lower-case abbreviation with a full stop), "13.00" with a full stop, and
"kl." before a time of day (added by toppleder/dates.py, which every page, e-mail, PDF and
calendar entry formats through). Django's own nb module supplies what is not set here.
"""

DATE_FORMAT = "j. F Y"
SHORT_DATE_FORMAT = "j. N Y"
TIME_FORMAT = "H.i"
DATETIME_FORMAT = r"j. F Y \k\l. H.i"
SHORT_DATETIME_FORMAT = r"j. N Y \k\l. H.i"
MONTH_DAY_FORMAT = "j. F"
YEAR_MONTH_FORMAT = "F Y"
