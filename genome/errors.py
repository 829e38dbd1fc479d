"""The error family domain code raises and front ends catch (defined in `store.errors`, the lowest layer)."""

from store.errors import GenomeError, InputError, NotBuilt, Refused, RuleError, StoreBusy, UnknownCustomer, UnknownGene

__all__ = ["GenomeError", "InputError", "NotBuilt", "Refused", "RuleError", "StoreBusy", "UnknownCustomer",
           "UnknownGene"]
