"""Import the official HAAN weights (``encoder.pkl``,
``fine_level_classifier.pkl`` and, when present, the two training-only heads) into one mmengine checkpoint.

The official files are plain ``torch.save(module.state_dict())``; the import
is a pure prefix rename (``encoder.pkl`` -> ``encoder.*``).
"""
import os.path as osp
from typing import Dict, Optional

import torch

from ...compat import safe_torch_load
from ...utils import atomic_write, data_error, missing_file

REQUIRED = ('encoder', 'fine_level_classifier')
OPTIONAL = ('pseudo_label_classifier', 'coarse_level_classifier')
KEYS = ('hidden_layer.weight', 'hidden_layer.bias', 'out_layer.weight',
        'out_layer.bias')


def load_official_haan(model_dir: str) -> Dict[str, torch.Tensor]:
    """State dict of our :class:`HAAN` from an official output folder."""
    state = {}
    for module in REQUIRED + OPTIONAL:
        path = osp.join(model_dir, f'{module}.pkl')
        if not osp.isfile(path):
            if module in REQUIRED:
                raise missing_file('official weight file', path)
            continue
        weights = safe_torch_load(path, map_location='cpu')
        if not isinstance(weights, dict) or sorted(weights) != sorted(KEYS):
            found = sorted(weights) if isinstance(weights, dict) else \
                type(weights).__name__
            raise data_error(path, f'expected the keys {list(KEYS)}, found '
                             f'{found}')
        hidden = weights['hidden_layer.weight']
        out = weights['out_layer.weight']
        if (weights['hidden_layer.bias'].shape != hidden.shape[:1]
                or weights['out_layer.bias'].shape != out.shape[:1]
                or out.shape[1] != hidden.shape[0]):
            shapes = {k: tuple(v.shape) for k, v in weights.items()}
            raise data_error(path, f'inconsistent layer shapes {shapes}')
        state.update({f'{module}.{k}': v.float() for k, v in weights.items()})
    if state['fine_level_classifier.hidden_layer.weight'].shape[1] != \
            state['encoder.out_layer.weight'].shape[0]:
        raise data_error(osp.join(model_dir, 'fine_level_classifier.pkl'),
                         'input size differs from the encoder output size')
    return state


def convert_official_haan(model_dir: str, out_file: str,
                          dataset: Optional[str] = None) -> Dict:
    """Write ``{'state_dict', 'meta'}`` to ``out_file`` atomically; returns the
    shapes that configs need (feature_size, encoded_feature_size, classes)."""
    state = load_official_haan(model_dir)
    meta = dict(
        source='lizhi1104/HAAN official weights', dataset=dataset,
        modules=sorted({k.split('.')[0] for k in state}),
        feature_size=int(state['encoder.hidden_layer.weight'].shape[1]),
        encoded_feature_size=int(state['encoder.out_layer.weight'].shape[0]),
        num_fine_classes=int(
            state['fine_level_classifier.out_layer.weight'].shape[0]))
    with atomic_write(out_file, 'wb') as f:
        torch.save(dict(state_dict=state, meta=meta), f)
    return meta
