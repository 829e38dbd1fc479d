"""The product's one error family: every failure a person can act on is a `GenomeError`.

It lives in the lowest layer so the store, the domain code, the CLI and the
pages raise and catch the same classes (`genome.errors` is the name domain
code imports). The CLI turns a `GenomeError` into one line and a non-zero
exit, a page into `st.error`; anything else is a bug and stays a traceback
in tests. Modelled on sqlglot's `errors.py`: one base, a few precise kinds.
"""


class GenomeError(Exception):
    """Something a person can fix or understand: the message says what and, where it can, how."""


class NotBuilt(GenomeError):
    """What was asked for does not exist yet: no store, no genome, no fitted models."""


class StoreBusy(GenomeError):
    """Another process is writing the store (an ingest, a build, a refit); try again when it finishes."""


class UnknownGene(GenomeError):
    """A gene name the catalog does not hold."""


class UnknownCustomer(GenomeError):
    """An identifier that belongs to no customer in the store."""


class RuleError(GenomeError):
    """A segment rule that cannot be read or used; `position` is the 1-based character where it went wrong."""

    def __init__(self, message: str, *, position: int | None = None) -> None:
        super().__init__(message)
        self.position = position


class InputError(GenomeError, ValueError):
    """Input that cannot be used: a bad file, setting, argument or a data set too small to learn from.

    Also a ValueError, as Python and scikit-learn raise for bad values, so
    estimators keep their conventions; callers catch `GenomeError`.
    """


class Refused(GenomeError):
    """An action the product will not take, with the reason (an export below the privacy floor, a second refit)."""


class EngineUnavailable(GenomeError):
    """A build engine that cannot start here (Spark without pyspark or a Java runtime); the message says what to
    install."""
