"""Run by torchrun (gloo, CPU) from test_memory_sync_ddp.py: every rank
updates the prototype / class memories with its own slice of one global batch
and saves what it holds afterwards to ``OUT/<name>_rank<r>.pt``."""
import os
import sys

import torch
import torch.distributed as dist

sys.path.insert(0, os.environ['REPO_ROOT'])
from memory_cases import CASES, run_case  # noqa: E402


def main(out_dir: str) -> None:
    dist.init_process_group('gloo')
    rank, world = dist.get_rank(), dist.get_world_size()
    for name in CASES:
        memory = run_case(name, rank, world)
        torch.save(memory, os.path.join(out_dir, f'{name}_rank{rank}.pt'))
    dist.barrier()
    dist.destroy_process_group()


if __name__ == '__main__':
    main(sys.argv[1])
