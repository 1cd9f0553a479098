# ProtoGCN, NTU RGB+D 60 X-Sub, bone stream.
_base_ = '../_base_/ntu_b.py'

work_dir = './work_dirs/protogcn/ntu60_xsub/b'
