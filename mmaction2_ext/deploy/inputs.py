"""The config's own test inputs: the first samples of its test set through
its test pipeline, collate function and data preprocessor."""
import functools

import torch.nn as nn
from mmengine.dataset import pseudo_collate
from mmengine.registry import FUNCTIONS

from mmaction.registry import DATASETS
from ..utils import DataError


def collate_fn(cfg):
    """The test dataloader's collate function (mmengine's default:
    ``pseudo_collate``)."""
    spec = dict(cfg.test_dataloader.get('collate_fn',
                                        dict(type='pseudo_collate')))
    fn = spec.pop('type')
    if isinstance(fn, str):
        fn = FUNCTIONS.get(fn) or (pseudo_collate if fn == 'pseudo_collate'
                                   else None)
    if fn is None:
        raise DataError(f'unknown collate_fn {spec} in test_dataloader')
    return functools.partial(fn, **spec)


def collated_test_samples(cfg, num: int = 2):
    """The first ``num`` test samples through the test pipeline, collated
    (what the test dataloader gives ``test_step``)."""
    try:
        dataset = DATASETS.build(cfg.test_dataloader.dataset)
    except FileNotFoundError as err:
        raise FileNotFoundError(f'{err} (the export checks ONNX Runtime '
                                'against PyTorch on the config\'s test set)'
                                ) from err
    if len(dataset) == 0:
        raise DataError('the config\'s test set is empty: the export checks '
                        'ONNX Runtime against PyTorch on its samples')
    samples = [dataset[i] for i in range(min(num, len(dataset)))]
    return collate_fn(cfg)(samples)


def example_batch(model: nn.Module, num: int = 2) -> dict:
    """``{'inputs', 'data_samples'}`` of the first ``num`` test samples, as
    the model's ``test_step`` sees them after its data preprocessor."""
    return model.data_preprocessor(
        collated_test_samples(model.cfg, num), False)
