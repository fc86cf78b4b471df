"""The error of a scaffold that cannot decide something from the files alone."""


class ScaffoldError(ValueError):
    """What the files leave open, or what is wrong with them.

    The message says what was found and names the flag of ``tools/misc/new_pair.py`` that
    decides it (or the fix the data needs); nothing is written when it is raised.
    """
