"""Reading a PYSKL / PoseDataset annotation pickle, checked and code-free.

The file is either a plain list of per-sample dicts or
``{'split': {name: [sample ids]}, 'annotations': [dicts]}``; a sample's id is
its ``filename`` or, without one, its ``frame_dir`` (as stock PoseDataset).
"""
from typing import Dict, List, Optional

from ..utils import MissingKeyError, data_error, safe_load


def _sample_id(anno, path: str, index: int, key: str):
    if not isinstance(anno, dict):
        raise data_error(path, f'expected a dict, got {type(anno).__name__}',
                         f'#{index}')
    if key not in anno:
        raise data_error(path, 'missing key', f'#{index}', key)
    return anno[key]


def _checked_container(data, path: str, split: str) -> Dict:
    if not isinstance(data, dict):
        raise data_error(path, f'expected a dict with "split" and '
                         f'"annotations" (split={split!r}), got '
                         f'{type(data).__name__}')
    for key, kind in (('split', dict), ('annotations', list)):
        if key not in data:
            raise data_error(path, f'missing key {key!r}', field=key)
        if not isinstance(data[key], kind):
            raise data_error(path, f'expected a {kind.__name__}, got '
                             f'{type(data[key]).__name__}', field=key)
    if split not in data['split']:  # stock: KeyError
        raise MissingKeyError(*data_error(
            path, f'missing key {split!r} (splits: '
            f'{", ".join(map(repr, data["split"]))})', field='split').args)
    return data


def load_pose_annotations(path: str, split: Optional[str] = None
                          ) -> List[Dict]:
    """The annotations of ``path`` (only those of ``split`` when given).

    Loaded with the restricted unpickler; a wrong structure is a
    :class:`DataError` naming the file (and sample and field if one is bad).
    """
    data = safe_load(path)
    if split is None:
        if isinstance(data, dict):
            raise data_error(path, 'holds a split dict; set split= or use a '
                             'plain-list pickle')
        if not isinstance(data, list):
            raise data_error(path, 'expected a list of annotation dicts, got '
                             f'{type(data).__name__}')
        return data
    annos = _checked_container(data, path, split)['annotations']
    if not annos:
        return []
    key = 'filename' if isinstance(annos[0], dict) and \
        'filename' in annos[0] else 'frame_dir'
    members = set(data['split'][split])
    return [anno for i, anno in enumerate(annos)
            if _sample_id(anno, path, i, key) in members]
