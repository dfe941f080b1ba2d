#!/usr/bin/env python
"""MMG training speed per optimiser step: `audiomi.diffusion_mi.MMG.fit` on the spiral task (dim 5, strength 200) with
the `cpu650`/`gpu500` settings of bench_dmi.py, one network and two experts, at several batch sizes, on the CPU or a
GPU. The obvious alternative is the smaller batch: on a GPU a step costs about the same at any of these sizes (the
rate is bound by launching small kernels), so a larger batch buys the same epochs in fewer steps.

    python benchmarks/bench_dmi_steps.py [--device cpu|cuda] [--batches 256 1024 2048 4096] [--steps 1500] [--n 200000]
        [--estimators unified moe] [--threads 1]

Each fit trains about `--steps` steps (whole epochs over n/2 training samples, no validation on the way) and estimates
once; `ms/step` is the fit's seconds over its steps. Run several copies at once to see how a GPU shares out."""
import argparse, os, shlex, sys, time, warnings
import torch
from _common import cpu_name
from audiomi.core import format_table
from audiomi.tasks import get_task
from audiomi.diffusion_mi import MMG
from bench_dmi import PRESETS

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--device', default='cpu', help='cpu or cuda')
    ap.add_argument('--batches', nargs='+', type=int, default=[256, 1024, 2048, 4096], help='batch sizes')
    ap.add_argument('--steps', type=int, default=1500, help='about this many steps per fit')
    ap.add_argument('--n', type=int, default=200_000, help='samples (half to train)')
    ap.add_argument('--estimators', nargs='+', default=['unified', 'moe'], choices=['unified', 'moe'])
    ap.add_argument('--threads', type=int, default=1, help='torch CPU threads')
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    cmd = 'python benchmarks/bench_dmi_steps.py ' + ' '.join(shlex.quote(s) for s in (sys.argv[1:] if argv is None else argv))
    machine = f'{cpu_name()}, {os.cpu_count()} cores, torch {torch.__version__} ({torch.get_num_threads()} threads)'
    if a.device.startswith('cuda'): machine += f', GPU {torch.cuda.get_device_name(0)}'
    print(f'command: {cmd}\nmachine: {machine}', flush=True)
    x, y = get_task('spiral_multinormal_sparse_200_dim_5').sample(a.n, seed=0)
    rows = []
    for e in a.estimators:
        for b in a.batches:
            epochs = max(2, round(a.steps / ((a.n // 2) // b)))
            kw = dict(PRESETS['cpu650']['settings'], batch_size=b, max_epochs=epochs, val_every_n_epochs=epochs, device=a.device,
                      use_moe=e == 'moe', n_repeats=1)
            with warnings.catch_warnings():
                warnings.simplefilter('ignore')
                r = MMG(**kw).fit(x, y)
            rows.append(dict(estimator=e, batch=b, epochs=epochs, steps=r['steps'], seconds=r['seconds'],
                             ms_per_step=1000 * r['seconds'] / r['steps'], samples_per_s=f"{b * r['steps'] / r['seconds']:,.0f}"))
            print(f"  {e} batch {b}: {rows[-1]['ms_per_step']:.1f} ms/step", file=sys.stderr, flush=True)
    print('\n' + format_table(rows, floatfmt='.1f'))

if __name__ == '__main__': sys.exit(main())
