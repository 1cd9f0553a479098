# ProtoGCN, NTU RGB+D 60 X-Sub, bone motion stream.
_base_ = '../_base_/ntu_bm.py'

work_dir = './work_dirs/protogcn/ntu60_xsub/bm'
