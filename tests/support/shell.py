"""Running `make` as a person types it in a shell."""

from __future__ import annotations

import os

PARENT_MAKE = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKE_TERMOUT", "MAKE_TERMERR")


def outside_make() -> dict[str, str]:
    """This process's environment without the variables of a make it runs under (`make test`,
    `make bench`): inherited, they make a `make` started from here print "make[1]: Entering
    directory …", which a person typing `make run` never sees."""
    return {k: v for k, v in os.environ.items() if k not in PARENT_MAKE}
