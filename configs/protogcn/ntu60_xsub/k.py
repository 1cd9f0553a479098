# ProtoGCN, NTU RGB+D 60 X-Sub, k-bone stream.
_base_ = '../_base_/ntu_k.py'

work_dir = './work_dirs/protogcn/ntu60_xsub/k'
