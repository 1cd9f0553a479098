"""Score a ``tools/test.py --dump`` again with the config's test evaluator.

    python tools/test.py CONFIG CKPT --dump work_dirs/run/result.pkl
    python tools/analysis/eval_metric.py CONFIG work_dirs/run/result.pkl

Prints the metrics ``tools/test.py`` logged for that run (AccMetric top-k,
MA-52 F1 and accuracies, HAAN mAP), without the model or the data; change the
evaluator with ``--cfg-options test_evaluator...``. A test split declared
``labels_hidden=True`` is refused, as ``tools/test.py`` computes no metric
for it.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))
sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from cli_args import CfgOptions, cfg_options  # noqa: E402


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='the config the dump was tested with')
    parser.add_argument('dump', help='result.pkl from tools/test.py --dump')
    parser.add_argument(
        '--cfg-options', nargs='+', action=CfgOptions,
        help='override config settings, key=value')
    return parser.parse_args()


def main(args):
    import mmaction2_ext  # noqa: F401  (registers the metrics)
    from mmaction2_ext.apis import config_errors, load_config, merge_options
    from mmaction2_ext.evaluation.offline import evaluate_dump, metric_line
    options = cfg_options(args.cfg_options)
    cfg = merge_options(load_config(args.config), options)
    with config_errors(args.config, options):
        metrics = evaluate_dump(cfg, args.config, args.dump)
    digits = (cfg.get('log_processor') or {}).get('num_digits', 4)
    print(metric_line(metrics, digits))


if __name__ == '__main__':
    ARGS = parse_args()  # --help and usage errors before the heavy imports
    from mmaction2_ext.apis import run_cli
    run_cli(lambda: main(ARGS))
