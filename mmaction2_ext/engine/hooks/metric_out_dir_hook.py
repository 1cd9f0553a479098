"""Point metrics that write files at the run's work dir by default."""
from mmengine.hooks import Hook
from mmengine.runner import BaseLoop

from mmaction.registry import HOOKS


@HOOKS.register_module()
class MetricOutDirHook(Hook):
    """Sets ``out_dir`` of every val/test metric that has one left at None to
    ``runner.work_dir`` (so ``--work-dir`` moves the outputs too)."""

    def before_run(self, runner) -> None:
        for loop in (runner._val_loop, runner._test_loop):
            if not isinstance(loop, BaseLoop):
                continue
            for metric in loop.evaluator.metrics:
                if hasattr(metric, 'out_dir') and metric.out_dir is None:
                    metric.out_dir = runner.work_dir
