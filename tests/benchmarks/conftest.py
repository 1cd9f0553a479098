"""The benchmark scripts imported as modules by their tests."""
import importlib
import os
import sys

import pytest


@pytest.fixture
def import_benchmark(repo_root):
    """``import_benchmark(name)``: ``benchmarks/NAME.py`` as a module, with
    its folder on sys.path during the test, as when the script runs."""
    path = os.path.join(repo_root, 'benchmarks')
    sys.path.insert(0, path)
    yield importlib.import_module
    sys.path.remove(path)
