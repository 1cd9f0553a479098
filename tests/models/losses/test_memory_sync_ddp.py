"""Under DDP (2 CPU processes, gloo) the ProtoGCN class memory and the PCAN
prototypes end equal on every rank and equal to the single-process value of
the whole batch (CSC: the global class means) or the rank average (PCAN)."""
import os
import subprocess
import sys

import torch

from memory_cases import CASES, run_case

HERE = os.path.dirname(os.path.abspath(__file__))


def test_memories_are_synchronised_across_ranks(tmp_path, repo_root):
    env = dict(os.environ, REPO_ROOT=repo_root, OMP_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join([HERE, repo_root]))
    proc = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node=2',
         '--master_port=29611', os.path.join(HERE, 'ddp_memory_worker.py'),
         str(tmp_path)], env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in CASES:
        ranks = [torch.load(tmp_path / f'{name}_rank{r}.pt') for r in (0, 1)]
        local = [run_case(name, r, 2) for r in (0, 1)]
        assert not torch.allclose(local[0], local[1])  # unsynced they differ
        expected = (run_case(name) if name == 'csc'
                    else (local[0] + local[1]) / 2)
        for memory in ranks:
            torch.testing.assert_close(memory, expected, msg=name)
