"""What the programme services share: "leave this field as it is" for partial updates."""


class _Keep:
    def __repr__(self):
        return "KEEP"

    def __bool__(self):
        return False


# The default of every optional argument of an update service: the field keeps its value.
KEEP = _Keep()


def given(**arguments) -> dict:
    """The arguments a caller actually passed (everything that is not KEEP)."""
    return {name: value for name, value in arguments.items() if value is not KEEP}
