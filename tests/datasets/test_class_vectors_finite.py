"""Non-finite class vectors are refused with one clear line, both where the
table is built (tools/data/imigue/class_vectors.py) and where the embedding
head reads it."""
import os.path as osp
import sys

import numpy as np
import pytest

from mmaction2_ext.datasets.class_vectors import mean_word_vectors
from mmaction2_ext.models.heads.embedding_head import load_class_vectors
from mmaction2_ext.utils import DataError
from helpers import warm_python

WORDS = ['<PAD>', '<UKN>', 'rub', 'eyes', 'nose']


def word_vectors(bad_value):
    vectors = np.arange(10, dtype=np.float32).reshape(5, 2)
    vectors[4, 1] = bad_value  # 'nose'
    return vectors


@pytest.mark.parametrize('bad', [np.nan, np.inf, -np.inf])
def test_mean_word_vectors_refuse_non_finite_words(bad):
    with pytest.raises(DataError, match=r"vec.npy \[sample 1\].*'rub nose'"):
        mean_word_vectors(['rub eyes', 'rub nose'], WORDS, word_vectors(bad),
                          'vec.npy')
    # an unused bad word is harmless: rows are means of the named words
    table = mean_word_vectors(['rub eyes'], WORDS, word_vectors(bad))
    np.testing.assert_array_equal(table, [[5., 6.]])


def test_tool_refuses_non_finite_word_vectors(tmp_path, repo_root, tool_env,
                                              reliability):
    labels = tmp_path / 'labels.txt'
    labels.write_text('0 rub eyes\n1 rub nose\n')
    np.save(tmp_path / 'words.npy', np.array(WORDS))
    np.save(tmp_path / 'vectors.npy', word_vectors(np.inf))
    out = tmp_path / 'Vectors.npy'
    proc = warm_python.run(
        [sys.executable, osp.join(repo_root, 'tools/data/imigue/'
                                  'class_vectors.py'), 'glove', '--labels',
         str(labels), '--word-list', str(tmp_path / 'words.npy'),
         '--word-vectors', str(tmp_path / 'vectors.npy'), '--out', str(out)],
        env=tool_env, capture_output=True, text=True, timeout=120)
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 1 and len(lines) == 1, proc.stderr
    reliability.record('data', 'word vector with inf (class-vector tool)',
                       lines[0])
    assert lines[0].startswith('error: ') and 'vectors.npy' in lines[0]
    assert "'rub nose'" in lines[0] and not out.exists()


@pytest.mark.parametrize('bad', [np.nan, np.inf])
def test_head_refuses_non_finite_class_vectors(tmp_path, bad, reliability):
    table = np.ones((3, 4), np.float32)
    table[2, 1] = bad
    path = str(tmp_path / 'Vectors.npy')
    np.save(path, table)
    with pytest.raises(DataError, match='Vectors.npy') as err:
        load_class_vectors(path, 3, 4)
    reliability.record('data', f'class vectors with {bad} (I3DEmbHead)',
                       str(err.value))
    with pytest.raises(DataError, match='NaN or inf'):
        load_class_vectors(table, 3, 4)
