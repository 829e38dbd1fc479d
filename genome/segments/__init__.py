"""Segments: rules over the genome, their text form, compilation, previews, storage and export."""
