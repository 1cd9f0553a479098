"""Keep ``import mmaction.models`` working beside transformers 5.

mmaction2 1.2.0 enables its VindLU models whenever ``transformers>=4.28`` is
installed, and VindLU imports ``apply_chunking_to_forward`` and friends from
``transformers.modeling_utils``, which transformers 5 no longer exports. Then
``import mmaction.models`` fails although no method here uses VindLU (seen on
the CUDA images, which ship transformers 5). We switch mmaction2 to its own
"multimodal extras missing" placeholders instead, before its models import.
"""
import sys

from importlib_metadata import PackageNotFoundError, version
from mmengine.utils import digit_version

# the first transformers release without the helpers VindLU imports
FIRST_INCOMPATIBLE = '5.0.0'


def transformers_breaks_vindlu() -> bool:
    """True if the installed transformers cannot serve mmaction2's VindLU."""
    try:
        installed = version('transformers')
    except PackageNotFoundError:
        return False
    return digit_version(installed) >= digit_version(FIRST_INCOMPATIBLE)


def disable_incompatible_multimodal() -> bool:
    """Make mmaction2 register VindLU placeholders; returns True if it did."""
    if 'mmaction.models.multimodal' in sys.modules:
        return False  # too late, and it imported fine
    if not transformers_breaks_vindlu():
        return False
    from mmaction.utils import dependency
    dependency.WITH_MULTIMODAL = False
    return True
