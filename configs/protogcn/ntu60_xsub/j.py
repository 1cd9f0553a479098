# ProtoGCN, NTU RGB+D 60 X-Sub, joint stream.
_base_ = '../_base_/ntu_j.py'

work_dir = './work_dirs/protogcn/ntu60_xsub/j'
