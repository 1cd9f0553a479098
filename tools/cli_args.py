"""Argument parsing the tools share, light enough to run before their heavy
imports (torch, mmengine, mmaction): ``--help`` and usage errors answer at
once. Import it after putting ``tools/`` on ``sys.path``."""
import argparse


class CfgOptions(argparse.Action):
    """``--cfg-options KEY=VALUE ...``, kept as strings; an item without
    ``=`` is one ``error:`` line (exit 1). :func:`cfg_options` parses them."""

    def __call__(self, parser, namespace, values, option_string=None):
        for item in values:
            if '=' not in item:
                parser.exit(1, f'error: --cfg-options {item!r}: expected '
                            'KEY=VALUE, e.g. train_cfg.max_epochs=3\n')
        setattr(namespace, self.dest, list(values))


def cfg_options(pairs):
    """``KEY=VALUE`` strings parsed as mmengine's ``DictAction`` does (None
    when there are none)."""
    if not pairs:
        return None
    from mmengine.config import DictAction
    options = argparse.Namespace(value=None)
    DictAction([], 'value')(None, options, pairs)
    return options.value


def check_choices(parser, flag: str, values, choices) -> None:
    """One ``error:`` line (exit 1) for a value of ``flag`` not in
    ``choices`` (argparse's own ``choices`` prints the usage too)."""
    for value in [values] if isinstance(values, str) else values:
        if value not in choices:
            parser.exit(1, f'error: {flag} {value!r}: expected one of '
                        f'{", ".join(choices)}\n')


def add_data_root(parser):
    """``--data-root DIR``: read the config's data from DIR (every path under
    its ``data_root`` moves there; mmaction2_ext/apis/data_root.py)."""
    parser.add_argument(
        '--data-root', metavar='DIR',
        help="read the data from DIR instead of the config's data_root "
        '(every annotation, video, list and vector path under it moves)')


def apply_data_root(cfg, args):
    """Apply ``--data-root`` (before ``--cfg-options``, which win)."""
    if getattr(args, 'data_root', None):
        from mmaction2_ext.apis import move_data_root
        move_data_root(cfg, args.data_root, args.config)
    return cfg
