"""``--data-root DIR``: the one way to move a config's data.

Every config declares its dataset folder as the top-level ``data_root``
(``data_root = 'data/ma52/'``) and keeps all its data files under it
(annotation pickles, video folders, list files, class vectors, feature
files). Moving the data is then one substitution: every string of the
config that is ``data_root`` or a path under it gets ``DIR`` in its place.
Strings elsewhere (work dir, checkpoints) are left alone.
"""
import os.path as osp
from typing import Any, List, Tuple

from mmengine.config import Config

from ..utils import missing_file


def _under(path: str, root: str) -> str:
    """The part of ``path`` below ``root`` ('' for root itself), or None."""
    root = root.rstrip('/')
    if path.rstrip('/') == root:
        return ''
    if path.startswith(root + '/'):
        return path[len(root) + 1:]
    return None


def _join(root: str, rest: str) -> str:
    return osp.join(root, rest) if rest else root


def _walk(node: Any, key: str, old: str, new: str,
          moved: List[Tuple[str, str]]) -> Any:
    if isinstance(node, str):
        rest = _under(node, old)
        if rest is None:
            return node
        moved.append((key, node))
        path = _join(new, rest)
        # keep a trailing '/': configs build paths as ``data_root + 'x.pkl'``
        return path + '/' if node.endswith('/') and not path.endswith('/') \
            else path
    if isinstance(node, dict):
        for k in list(node):
            node[k] = _walk(node[k], f'{key}.{k}' if key else str(k), old,
                            new, moved)
        return node
    if isinstance(node, (list, tuple)):
        items = [_walk(v, f'{key}[{i}]', old, new, moved)
                 for i, v in enumerate(node)]
        return type(node)(items)
    return node


def move_data_root(cfg: Config, new_root: str, config: str = 'config'
                   ) -> List[str]:
    """Point every path under ``cfg.data_root`` into ``new_root`` (in place).

    Returns the config keys that were changed. A config without
    ``data_root`` or a ``new_root`` that is not a folder is an error.
    """
    from .launch import ConfigError
    old = cfg.get('data_root')
    if not old:
        raise ConfigError(f'{config}: --data-root needs the config to '
                          "declare its data folder as data_root = '...'")
    if not osp.isdir(new_root):
        raise missing_file('--data-root folder', new_root)
    moved: List[Tuple[str, str]] = []
    for key in list(cfg.keys()):
        cfg[key] = _walk(cfg[key], key, old, new_root.rstrip('/') or '/',
                         moved)
    return [key for key, _ in moved if key != 'data_root']
