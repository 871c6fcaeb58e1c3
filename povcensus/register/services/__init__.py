"""Writes to the register: the import pipeline (``importing``) and its staging engine."""

from povcensus.register.services.importing import (
    ImportOptions,
    file_sha256,
    mapping_from_text,
    register_import,
)

__all__ = ["ImportOptions", "file_sha256", "mapping_from_text", "register_import"]
