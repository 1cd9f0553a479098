# ProtoGCN, NTU RGB+D 60 X-Sub, joint motion stream.
_base_ = '../_base_/ntu_jm.py'

work_dir = './work_dirs/protogcn/ntu60_xsub/jm'
