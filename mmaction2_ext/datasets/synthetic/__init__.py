"""Small synthetic datasets in the exact official on-disk formats.

Each module offers ``add_arguments(parser)`` and ``generate(args)`` for
``tools/data/make_synthetic.py`` plus plain functions that tests call.
"""
GENERATORS = {
    'skeleton': 'mmaction2_ext.datasets.synthetic.skeleton',
    'haan': 'mmaction2_ext.datasets.synthetic.haan',
    'ma52': 'mmaction2_ext.datasets.synthetic.ma52',
}
