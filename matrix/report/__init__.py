"""The matrix report: one model (the JSON document), three writers.

`assemble` turns judged cells into the versioned JSON model that
schemas/matrix.schema.json describes; the Markdown and HTML writers render
only from that model, so a report merged from several results files reads
the same as one made in a single run (see matrix.merge).  `drift` compares a
model with a baseline, and stores the result in the model as well.
"""

from .model import SCHEMA_VERSION, assemble, origin, validate, validator
from .write import write_all

__all__ = ["SCHEMA_VERSION", "assemble", "origin", "validate", "validator", "write_all"]
