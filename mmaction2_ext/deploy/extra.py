"""The [deploy] extra: onnx, onnxscript (torch's ``dynamo=True`` exporter
needs both) and onnxruntime, pinned in requirements-deploy.txt and put in
their own venv, ``.venv-deploy``, by ``make deploy-install``."""
import importlib

from ..utils import DataError

INSTALL = 'make deploy-install'
PACKAGES = ('onnx', 'onnxscript', 'onnxruntime')


def require(*names: str):
    """The named modules of the extra (default all three); one clear error
    naming the make target when one is missing."""
    modules = []
    for name in names or PACKAGES:
        try:
            modules.append(importlib.import_module(name))
        except ImportError as err:
            raise DataError(
                f'ONNX export and the onnxruntime backend need the [deploy] '
                f'extra ({name} is not installed): run `{INSTALL}` and use '
                '.venv-deploy/bin/python (docs/deploy.md)') from err
    return modules[0] if len(modules) == 1 else modules
