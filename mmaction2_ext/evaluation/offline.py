"""Scoring a ``tools/test.py --dump`` again with a config's test evaluator
(``tools/analysis/eval_metric.py``), without the model or the data."""
from typing import Iterator, List, Optional

from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmengine.registry import init_default_scope

from ..engine.hooks.hidden_labels import (LABEL_FREE_METRICS,
                                          hidden_labels_message)
from ..utils import DataError, data_error
from .functional.dump import read_dump


def _dataset_cfgs(dataset: dict) -> Iterator[dict]:
    """A dataset config and those inside its wrappers (Repeat, Concat...)."""
    yield dataset
    inner = dataset.get('datasets') or [dataset.get('dataset')]
    for child in inner:
        if isinstance(child, dict):
            yield from _dataset_cfgs(child)


def hidden_split(cfg: Config) -> Optional[str]:
    """The annotation file (or type) of a test split the config declares
    hidden (``labels_hidden=True``, as ``HiddenLabelsHook`` reads it)."""
    for dataset in _dataset_cfgs(cfg.test_dataloader.dataset):
        if dataset.get('labels_hidden') or \
                (dataset.get('metainfo') or {}).get('labels_hidden'):
            return dataset.get('ann_file') or dataset.get('type')
    return None


def _num_scores(score) -> Optional[int]:
    """Length of a ``pred_score`` vector (each entry of a PCAN dict has it
    too, the ``*_coarse`` body scores excepted)."""
    if isinstance(score, dict):
        score = next((v for k, v in score.items()
                      if not k.endswith('_coarse')), None)
    shape = getattr(score, 'shape', None)
    return int(shape[-1]) if shape else None


def _check_record(record, index: int, dump: str, config: str,
                  num_classes: Optional[int]) -> None:
    if not isinstance(record, dict):
        raise data_error(dump, f'a bare {type(record).__name__}, not a '
                         'per-sample dict from tools/test.py --dump', index)
    scores = _num_scores(record.get('pred_score'))
    if num_classes and scores is not None and scores != num_classes:
        raise data_error(
            dump, f'{scores} class scores, but the model of {config} has '
            f'{num_classes} classes (a dump of another config?)', index,
            'pred_score')


def evaluate_dump(cfg: Config, config: str, dump: str) -> dict:
    """The metrics ``cfg.test_evaluator`` gives the records of ``dump``
    (those ``tools/test.py`` logged for the run that wrote it).

    Raises DataError, naming the sample and field, for a dump the evaluator
    cannot read, and with the message ``tools/test.py`` logs for a split
    whose labels are hidden.
    """
    source = hidden_split(cfg)
    if source is not None:
        raise DataError(hidden_labels_message(source))
    records = read_dump(dump)
    init_default_scope(cfg.get('default_scope', 'mmaction'))
    evaluator = Evaluator(cfg.test_evaluator)
    evaluator.metrics = [m for m in evaluator.metrics
                         if type(m).__name__ not in LABEL_FREE_METRICS]
    if not evaluator.metrics:
        raise DataError(f'{config}: test_evaluator has no metric to compute')
    num_classes = (cfg.model.get('cls_head') or {}).get('num_classes')
    for index, record in enumerate(records):
        _check_record(record, index, dump, config, num_classes)
        for metric in evaluator.metrics:
            _process(metric, record, index, dump)
    return _compute(evaluator, len(records), dump)


def _process(metric, record: dict, index: int, dump: str) -> None:
    try:
        metric.process(None, [record])
    except KeyError as err:
        raise data_error(dump, f'{type(metric).__name__} needs this field '
                         '(a dump of another config?)', index,
                         err.args[0]) from err
    except (AttributeError, TypeError, IndexError, ValueError) as err:
        raise data_error(dump, f'{type(metric).__name__} cannot read it '
                         f'({err}; a dump of another config?)', index) from err


def _compute(evaluator: Evaluator, size: int, dump: str) -> dict:
    try:
        return evaluator.evaluate(size)
    except (KeyError, IndexError, ValueError) as err:
        names = ', '.join(type(m).__name__ for m in evaluator.metrics)
        raise data_error(dump, f'{names} cannot score it ({err!r}; a dump '
                         'of another config?)') from err


def metric_line(metrics: dict, digits: int = 4) -> str:
    """``key: value`` pairs as mmengine's LogProcessor logs them at the end
    of a test epoch (floats with ``digits`` decimals)."""
    items: List[str] = []
    for name, value in metrics.items():
        if isinstance(value, float):
            value = f'{value:.{digits}f}'
        items.append(f'{name}: {value}')
    return '  '.join(items)
