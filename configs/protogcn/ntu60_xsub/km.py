# ProtoGCN, NTU RGB+D 60 X-Sub, k-bone motion stream.
_base_ = '../_base_/ntu_km.py'

work_dir = './work_dirs/protogcn/ntu60_xsub/km'
