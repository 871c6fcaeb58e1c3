"""Every English catalogue is complete and keeps the source's placeholders."""

import importlib.util
from pathlib import Path


def test_english_catalogues_are_complete() -> None:
    path = Path(__file__).resolve().parents[3] / "tools" / "check_messages.py"
    spec = importlib.util.spec_from_file_location("check_messages", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.problems() == []
