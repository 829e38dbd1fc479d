"""Synthetic customers and their events across every channel, with latent truth.

`generate` writes what a retailer's landing zone would receive: one Parquet
file per source (store, wholesale, web, app, service, email, social) per chunk
of customers, every column a string, a few rows deliberately corrupt. Beside
it, in `truth/`, it writes the latent state the events were drawn from:
traits, the BG/NBD purchase process, consent, life events, post labels and the
corrupt rows. Identity resolution, genes and models are scored against the
truth; product code never reads it.

Speed comes from two rules. Every step works on whole arrays: all customers
of a chunk, or all events of a kind, in one numpy operation; the only Python
loops run over event kinds, traits or templates. Strings are built last, by
Arrow kernels that pick pre-rendered values (days, times of day, identifiers,
texts) by index, and writer threads format and write earlier chunks while
the next one is simulated.

Everything random flows from `seed`: the catalogue and texts from one
stream, each chunk from its own, so the same seed and chunk size give the
same files byte for byte.
"""

from synthetic.generate import generate
from synthetic.shape import EVENT_COLUMNS, EVENT_TYPES, SOURCES, TRAITS, SynthConfigError, SynthManifest

__all__ = ["EVENT_COLUMNS", "EVENT_TYPES", "SOURCES", "TRAITS", "SynthConfigError", "SynthManifest", "generate"]
