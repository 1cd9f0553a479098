"""Bad skeleton data files through tools/train.py: one `error:` line naming the
file (and sample and field), before any training step. Per-sample checks are
in test_pose_dataset_validation.py."""
import copy
import pickle
import sys

import pytest

from mmaction2_ext.datasets.synthetic.skeleton import make_skeleton_dataset
from helpers import data_options, warm_python

CONFIG = 'configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py'


@pytest.fixture(scope='module')
def clean():
    return make_skeleton_dataset('coco', num_classes=4,
                                 samples_per_class=(2, 1), seed=1)


# case -> (the file's content from the clean dict, expected problem)
CASES = {
    'annotation file that is not a pickle': (
        lambda d: b'frame_dir,label\nclip0,1\n',
        'cannot read it as a pickle file'),
    'plain list where a split dict is needed': (
        lambda d: d['annotations'],
        'expected a dict with "split" and "annotations" '
        "(split='train'), got list"),
    "split dict without 'annotations'": (
        lambda d: {'split': d['split']}, "field 'annotations']: missing key"),
}


def _train(ann_file, tmp_path, tool_env, repo_root, *options):
    args = [sys.executable, 'tools/train.py', CONFIG, '--work-dir',
            str(tmp_path / 'work'), '--cfg-options', *data_options(ann_file),
            'train_cfg.max_epochs=1', *options]
    return warm_python.run(args, cwd=repo_root, env=tool_env, text=True,
                           capture_output=True, timeout=300)


def _one_error_line(proc):
    errors = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 1 and len(errors) == 1, proc.stderr[-3000:]
    assert errors[0].startswith('error: ') and 'Traceback' not in proc.stderr
    assert 'Epoch(train)' not in proc.stdout  # stopped before training
    return errors[0]


@pytest.mark.parametrize('case', list(CASES))
def test_bad_data_file_gives_one_clear_line(case, clean, tmp_path, tool_env,
                                            repo_root, reliability):
    make, problem = CASES[case]
    content = make(copy.deepcopy(clean))
    path = tmp_path / 'anno.pkl'
    path.write_bytes(content if isinstance(content, bytes)
                     else pickle.dumps(content))
    line = _one_error_line(_train(path, tmp_path, tool_env, repo_root))
    assert line.startswith(f'error: {path}') and problem in line, line
    reliability.record('data', case, line)


def test_label_beyond_the_head_stops_before_training(clean, tmp_path, tool_env,
                                                     repo_root, reliability):
    path = tmp_path / 'anno.pkl'
    path.write_bytes(pickle.dumps(clean))
    proc = _train(path, tmp_path, tool_env, repo_root,
                  'model.cls_head.num_classes=3')
    line = _one_error_line(proc)
    first = next(i for i, a in enumerate(clean['annotations'])
                 if a['label'] == 3)
    name = clean['annotations'][first]['frame_dir']
    assert line == (f"error: {path} [sample '#{first} ({name})', field "
                    "'label']: label 3 is out of range for the model head "
                    '(3 classes)')
    reliability.record('data', 'label >= the head\'s num_classes (skeleton)',
                       line)
