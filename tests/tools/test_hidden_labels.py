"""tools/test.py on a split whose labels are hidden prints no metric (issue
13): a declared split (``labels_hidden=True``) gets one log line and only the
dump; an undeclared one-label split gets a warning."""
import pickle
import sys

from mmaction2_ext.datasets.synthetic.skeleton import write_skeleton_pickle
from helpers import warm_python

TINY = 'configs/demo/stgcn_tiny_1xb8-12e_synthetic-coco-2d.py'


def _line(log, text):
    return next(line for line in log.splitlines() if text in line)


def test_declared_hidden_labels_give_no_metric(tmp_path, skeleton_pickle,
                                               untrained_checkpoint,
                                               run_test_tool, reliability,
                                               repo_root, tool_env):
    options = [f'test_dataloader.dataset.ann_file={skeleton_pickle}',
               'test_dataloader.dataset.labels_hidden=True']
    log = run_test_tool(tmp_path, untrained_checkpoint, *options)
    assert 'acc/' not in log
    line = _line(log, 'are hidden')
    assert skeleton_pickle in line and 'no metric is computed' in line
    reliability.record('data', 'tools/test.py on a split with hidden labels '
                       '(labels_hidden=True)', line.split(' - ')[-1])
    # scoring its dump offline is refused with the same words
    proc = warm_python.run(
        [sys.executable, 'tools/analysis/eval_metric.py', TINY,
         str(tmp_path / 'result.pkl'), '--cfg-options', *options],
        cwd=repo_root, env=tool_env, text=True, capture_output=True,
        timeout=300)
    assert proc.returncode == 1 and proc.stdout == ''
    assert proc.stderr == f'error: {line.split(" - ")[-1]}\n'
    reliability.record('CLI', 'eval_metric.py on a split with hidden labels',
                       proc.stderr)


def test_one_label_split_warns(tmp_path, untrained_checkpoint, run_test_tool,
                               reliability):
    path = write_skeleton_pickle(str(tmp_path / 'test.pkl'), 'coco',
                                 num_classes=4, samples_per_class=(6, 3),
                                 seed=1)
    with open(path, 'rb') as f:
        data = pickle.load(f)
    for ann in data['annotations']:
        ann['label'] = 0
    with open(path, 'wb') as f:
        pickle.dump(data, f)
    log = run_test_tool(tmp_path, untrained_checkpoint,
                        f'test_dataloader.dataset.ann_file={path}')
    line = _line(log, 'every label of')
    assert 'WARNING' in line and 'is 0 while the model has 4 classes' in line
    assert 'acc/top1' in log  # warned, not hidden: the metric still shows
    reliability.record('data', 'test split whose labels are all one value '
                       '(hidden but not declared)', line.split(' - ')[-1])
