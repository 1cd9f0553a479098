"""Point metrics that write files at the run's work dir by default."""
from mmengine.hooks import Hook
from mmengine.runner import BaseLoop

from mmaction.registry import HOOKS


def _file_metrics(loop):
    """The metrics of a built loop that write files (have ``out_dir``)."""
    if not isinstance(loop, BaseLoop):
        return []
    return [m for m in loop.evaluator.metrics if hasattr(m, 'out_dir')]


@HOOKS.register_module()
class MetricOutDirHook(Hook):
    """Sets ``out_dir`` of every val/test metric that has one left at None to
    ``runner.work_dir`` (so ``--work-dir`` moves the outputs too).

    Test-loop metrics write ``test_``-prefixed files labelled with the epoch
    of the tested checkpoint, so a test never replaces training outputs.
    """

    def __init__(self) -> None:
        self.checkpoint_epoch = None

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self.checkpoint_epoch = checkpoint.get('meta', {}).get('epoch')

    def before_run(self, runner) -> None:
        for metric in _file_metrics(runner._val_loop):
            self._set_out_dir(metric, runner)

    def before_test(self, runner) -> None:
        for metric in _file_metrics(runner._test_loop):
            self._set_out_dir(metric, runner)
            metric.file_prefix = 'test_'
            metric.epoch = self.checkpoint_epoch

    @staticmethod
    def _set_out_dir(metric, runner) -> None:
        if metric.out_dir is None:
            metric.out_dir = runner.work_dir
