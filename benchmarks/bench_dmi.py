#!/usr/bin/env python
"""Diffusion MI (MMG) accuracy and speed on distributions with exactly known mutual information: unified and
mixture-of-experts `audiomi.diffusion_mi.MMG` on sparse multinormal, half-cube and spiral tasks (dims 3 and 5, strengths
2 and 200), with the data-driven logSNR window (`window='auto'`), against the obvious alternative in the same run: the
MMG reference window (loc 2, scale 3, clip 4, `window='fixed'`) on the strength-200 cells, and, with
`--estimators ... unified_input`, MMG's own network (y at the input only, `conditioning='input'`) against the default
adaptive conditioning.

    python benchmarks/bench_dmi.py [--preset grid250|cpu650|cpu100k|muon100k|muon3min|gpu500] [--tasks multinormal half_cube spiral] [--dims 3 5]
        [--strengths 2 200] [--estimators unified moe unified_input] [--n N] [--epochs N] [--threads N]
        [--report orthogonal|nll|cross] [--seed 0] [--set KEY=VALUE ...] [--curves] [--out results.json] [--device cpu|cuda] [--jobs N]

Protocol: `--n` samples per task (the preset's by default: 40,000, 110,000 for `cpu100k` and `muon100k`, or 200,000
for `gpu500`; drawn fresh, so more samples cost only time), split 50/50 into training and held-out parts by `MMG`
(`cpu100k`, `muon100k`: 100,000 and 10,000, the seed's split); a fixed training budget (`--epochs`, the preset's by
default: 250 for `grid250`, one thread per run; 650 for `cpu650` and 122 for `cpu100k`, about 5,850 steps each, and 105
for `muon100k` (5,040 steps), which use both cores, so run one process at a time; 500 for `gpu500`; `muon3min` plans its
epochs to fill 170 s of this machine's time, `MMG(time_budget=170)`, at most 1,000; no early stopping, nothing selected on the held-out part). Both
estimates are computed on the held-out part with the final (EMA, where on) weights, averaged over 10 (alpha, eps) draws: the orthogonal
MMSE gap (what `MMG.estimate` returns by default) and the NLL difference; `--report` picks the one judged against the
targets (default orthogonal: with the cosine learning-rate decay it met the strength-2 target on every task, the spiral's
included, see benchmarks/README.md). With `--set cross_fit=True` two networks train on the halves of the training part (the steps of
one) and their cross-fitted gap is printed too (`--report cross` judges it): it drops the part of each network's error
that comes from its own training pairs, which the orthogonal estimate adds (notebook 03). The ground truth is `task.mutual_information` (closed form). `--curves` also prints,
per run, both integrands on a grid of α (`MMG.mmse_curve` on the held-out part) next to `local_gap_curve` of the task
through the run's fitted normaliser: the exact integrand on the multinormal cells (column `exact`, up to the normaliser's
sampling noise), and on the half-cube and spiral cells a local-Gaussian guide that is exact at large α and integrates to
the true MI (column `guide`).
`--device cuda` trains on a GPU and `--jobs N` runs N cells at a time in separate processes (for a GPU, whose small
kernels leave it idle between launches); the seconds of concurrent runs are then not those of a run alone.
Targets (issue 4, 2-core CPU): |error| <= 0.05 nats at strength 2 (1.02 nats), |relative error| <= 5 % at strength 200
(9.90 nats), and <= 180 s per run. Exit status 0 iff every auto-window run meets its targets."""
import argparse, os, shlex, sys, time, warnings
import numpy as np
import torch

from _common import cpu_name
from audiomi.core import format_table, write_json, environment_info
from audiomi.tasks import get_task
from audiomi.diffusion_mi import MMG, local_gap_curve

ABS_TARGET, REL_TARGET, SECONDS_TARGET = 0.05, 0.05, 180.0
TASKS = {'multinormal': 'multinormal_sparse_{s}_dim_{d}', 'half_cube': 'half_cube_multinormal_sparse_{s}_dim_{d}',
         'spiral': 'spiral_multinormal_sparse_{s}_dim_{d}'}
ESTIMATORS = {'unified': dict(), 'moe': dict(use_moe=True),
              'unified_input': dict(conditioning='input')}   # MMG's network: y at the input only (the reference)

# The settings this benchmark selected (benchmarks/README.md has the sweeps), one preset for every cell of a run:
# MMG(**PRESETS[--preset]['settings'], **ESTIMATORS[e], max_epochs=--epochs, seed=--seed) on --n samples.
# 'grid250' (the default): 250 epochs at batch 1024, one thread per run; it meets the targets on every cell but the
# spiral at 9.9 nats, which it leaves 19-24 % low.
# 'cpu650': the settings for the spiral at 9.9 nats, 650 epochs at batch 2048 on both cores (run one process at a
# time), no normalisation layers, the copula transform only on columns that are not normal (`auto`: z-scores for the
# rest), the window centred at 5 (still widened by the data), the loss weighted by the sampling density, 32 random
# Fourier features of z, no EMA, two experts for the last quarter only. It meets the targets on the Gaussian and
# half-cube cells too, but its orthogonal estimate overshoots the spiral at 1.02 nats by 0.07-0.12.
# 'cpu100k': the cpu650 network and steps (122 epochs of 48 steps: 5,856) on the seed's split: 100,000 training and
# 10,000 held-out samples. With five times the training pairs a network memorises less of them, so its orthogonal
# estimate carries less of its own error (notebook 03): on the spiral it is the honest one of the two CPU presets.
# 'muon100k': cpu100k trained with Muon (`optimizer='muon'`: Muon for the hidden weight matrices, Adam for the rest),
# which learns more per step, with Muon's momentum at 0.98 (0.95, the usual value, left the spiral at 9.9 nats 0.07 nats
# lower); its optimiser step costs about 4 ms more (4.7 against 0.6 ms), so 105 epochs (5,040 steps) fit the 3 minutes.
# 'muon3min': muon100k with a time budget instead of fixed epochs (`MMG(time_budget=170)`, `plan_epochs`): the
# epochs that fill 170 s of the machine it runs on, planned from 30 timed steps. The same 105 epochs took 170 s on one
# 2-core CPU of this project (AMD EPYC, AVX2) and 101 s on another (AMD EPYC, AVX-512), so a fixed count under-uses
# the 3 minutes on the faster one; run it alone (runs side by side plan fewer epochs each), and `--epochs E` with the
# epochs it printed gives the same run again.
# 'gpu500': the cpu650 settings at the seed's GPU scale, 100,000 training samples (n 200,000, half held out) and 500
# epochs at batch 4096, for `--device cuda --jobs 12`; on an H100 it met the accuracy targets on all 12 unified cells.
CPU650 = dict(batch_size=2048, lr=6e-3, p_uncond=0.1, lr_schedule='cosine', norm='none', normalization='auto',
              logsnr_loc=5.0, logsnr_scale=3.0, use_ema=False, loss_weighting='sampling', fourier_features=32, moe_warmup=0.75)
PRESETS = {
    'grid250': dict(epochs=250, threads=1, n=40_000, settings=dict(batch_size=1024, lr=4e-3, p_uncond=0.1, lr_schedule='cosine')),
    'cpu650': dict(epochs=650, threads=2, n=40_000, settings=CPU650),
    'cpu100k': dict(epochs=122, threads=2, n=110_000, settings=dict(CPU650, val_fraction=1 / 11)),
    'muon100k': dict(epochs=105, threads=2, n=110_000, settings=dict(CPU650, val_fraction=1 / 11, optimizer='muon', muon_lr=0.01, muon_momentum=0.98)),
    'muon3min': dict(epochs=1000, threads=2, n=110_000, settings=dict(CPU650, val_fraction=1 / 11, optimizer='muon', muon_lr=0.01, muon_momentum=0.98, time_budget=170.0)),
    'gpu500': dict(epochs=500, threads=1, n=200_000, settings=dict(CPU650, batch_size=4096)),
}
# The alternative: the MMG reference window, alpha ~ logistic(loc 2, scale 3) truncated at 4 scales ([-10, 14]).
FIXED = dict(window='fixed', logsnr_loc=2.0, logsnr_scale=3.0, logsnr_clip=4.0)

def target_ok(err, mi, strength):
    "Whether an error meets the issue's target: 0.05 nats absolute at strength 2, 5 % relative above"
    return abs(err) <= ABS_TARGET if strength <= 2 else abs(err) <= REL_TARGET * mi

def run_mmg(x, y, estimator, window, epochs, seed, settings, curves=False, task=None):
    kw = dict(settings, **ESTIMATORS[estimator], **(FIXED if window == 'fixed' else {}))
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        est = MMG(max_epochs=epochs, seed=seed, **kw)
        r = est.fit(x, y)
    seconds = time.perf_counter() - t0
    curve = {k: v.tolist() for k, v in est.mmse_curve().items()} if curves else None
    if curve and task is not None: curve['guide'] = local_gap_curve(task, curve['alpha'], est.normalizers_[0]).tolist()
    return dict(curve=curve, estimate=float(r['estimate_orthogonal']), estimate_nll=float(r['estimate_nll']),
                se_orthogonal=float(r['se_orthogonal']), se_nll=float(r['se_nll']), seconds=seconds,
                train_seconds=float(r['seconds']), epochs=int(r['epochs']), steps=int(r['steps']), guard_clips=int(r['guard_clips']),
                window=[float(r['window']['lo']), float(r['window']['hi'])], settings=kw,
                **({'estimate_cross': float(r['estimate_cross']), 'se_cross': float(r['se_cross'])} if 'estimate_cross' in r else {}),
                **({'plan': r['plan']} if 'plan' in r else {}))

def run_cell(task_name, n, estimator, window, epochs, seed, settings, curves=False, threads=None):
    "One benchmark run from the task's name (what a worker process of `--jobs` gets): sample, train, estimate"
    if threads: torch.set_num_threads(threads)
    task = get_task(task_name)
    x, y = task.sample(n, seed=seed)
    return run_mmg(x, y, estimator, window, epochs, seed, settings, curves, task)

def _value(v):
    try: return int(v)
    except ValueError: pass
    try: return float(v)
    except ValueError: return {'True': True, 'False': False, 'None': None}.get(v, v)

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--tasks', nargs='+', default=list(TASKS), choices=list(TASKS), help='task families')
    ap.add_argument('--dims', nargs='+', type=int, default=[3, 5], help='dim_x = dim_y')
    ap.add_argument('--strengths', nargs='+', type=float, default=[2, 200], help='sparse strengths (2: 1.02 nats, 200: 9.90)')
    ap.add_argument('--estimators', nargs='+', default=['unified', 'moe'], choices=list(ESTIMATORS), help="unified, moe and/or unified_input (MMG's network: y at the input only)")
    ap.add_argument('--n', type=int, default=None, help="samples per task, half to train, half held out (default: the preset's)")
    ap.add_argument('--preset', default='grid250', choices=list(PRESETS), help="the settings, samples, epochs and threads (default grid250: 250 epochs, 1 thread; cpu650: 650 epochs, 2 threads, for the spiral at 9.9 nats; cpu100k: the same steps on 100,000 training samples; muon100k: cpu100k with Muon (momentum 0.98), 105 epochs; muon3min: muon100k with the epochs planned to fill 170 s (MMG's time_budget); gpu500: 100,000 training samples, 500 epochs, for a GPU)")
    ap.add_argument('--epochs', type=int, default=None, help="training epochs, the training budget (default: the preset's)")
    ap.add_argument('--report', default='orthogonal', choices=['nll', 'orthogonal', 'cross'],
                    help='the estimate judged against the targets (all are printed): orthogonal (the MMSE gap), nll (the NLL difference) '
                         'or cross (the cross-fitted gap of two networks on the halves of the training part: needs --set cross_fit=True)')
    ap.add_argument('--seed', type=int, default=0, help='seed of the samples, the split and the estimator')
    ap.add_argument('--fixed', nargs='*', default=None, choices=list(ESTIMATORS),
                    help='estimators also run with the fixed reference window on strength >= 200 cells '
                         '(default: unified; give no value to skip)')
    ap.add_argument('--fixed_all', action='store_true', help='run the fixed window on every strength, not only >= 200')
    ap.add_argument('--set', nargs='*', default=[], metavar='KEY=VALUE', help="override the preset's MMG arguments (for sweeps)")
    ap.add_argument('--threads', type=int, default=None, help="torch CPU threads (default: the preset's; run one process at a time with 2)")
    ap.add_argument('--curves', action='store_true', help='also print and store both integrands per α of every run (MMG.mmse_curve)')
    ap.add_argument('--out', default=None, help='also write the results as JSON here')
    ap.add_argument('--device', default='cpu', help='where MMG trains: cpu or cuda')
    ap.add_argument('--jobs', type=int, default=1, help='cells run at a time, each in its own process (default 1: one after another)')
    a = ap.parse_args(argv)
    preset = PRESETS[a.preset]
    a.epochs = preset['epochs'] if a.epochs is None else a.epochs
    a.n = preset['n'] if a.n is None else a.n
    torch.set_num_threads(preset['threads'] if a.threads is None else a.threads)
    extra = dict(device=a.device) if a.device != 'cpu' else {}
    extra |= {k: _value(v) for k, v in (s.split('=', 1) for s in a.set)}
    fixed_for = ['unified'] if a.fixed is None else a.fixed
    cmd = 'python benchmarks/bench_dmi.py ' + ' '.join(shlex.quote(s) for s in (sys.argv[1:] if argv is None else argv))
    machine = f'{cpu_name()}, {os.cpu_count()} cores, torch {torch.__version__} ({torch.get_num_threads()} threads)'
    if str(extra.get('device', 'cpu')).startswith('cuda'): machine += f', GPU {torch.cuda.get_device_name(0)}'
    if a.jobs > 1: machine += f', {a.jobs} runs at a time'
    settings = dict(preset['settings'], **extra)
    if a.report == 'cross' and not settings.get('cross_fit'): ap.error('--report cross needs --set cross_fit=True')
    budget = f'at most {a.epochs} epochs, planned to fill {settings["time_budget"]:g} s' if settings.get('time_budget') else f'{a.epochs} epochs'
    print(f'command: {cmd}\nmachine: {machine}\nsamples: {a.n} per task ({a.n - int(round(a.n * settings.get("val_fraction", 0.5)))} to train), {budget}, preset {a.preset}, '
          f'seed {a.seed}, settings: {settings or "MMG defaults"}; targets judged on the {a.report} estimate', flush=True)

    t_start = time.perf_counter()
    cells = [(fam, d, s, e, window) for fam in a.tasks for d in a.dims for s in a.strengths for e in a.estimators
             for window in ['auto'] + (['fixed'] if e in fixed_for and (s >= 200 or a.fixed_all) else [])]
    name = lambda fam, d, s: TASKS[fam].format(s=f'{s:g}', d=d)
    args = lambda fam, d, s, e, window: (name(fam, d, s), a.n, e, window, a.epochs, a.seed, settings, a.curves)
    if a.jobs > 1:
        import concurrent.futures as cf, multiprocessing as mp
        pool = cf.ProcessPoolExecutor(a.jobs, mp_context=mp.get_context('spawn'))
        futures = [pool.submit(run_cell, *args(*c), threads=torch.get_num_threads()) for c in cells]
        outcomes = (f.result() for f in futures)          # in the cells' order, as each finishes
    else: outcomes = (run_cell(*args(*c)) for c in cells)
    rows, results = [], []
    for (fam, d, s, e, window), r in zip(cells, outcomes):
        task = get_task(name(fam, d, s))
        mi = float(task.mutual_information)
        rep = r['estimate_nll'] if a.report == 'nll' else r['estimate_cross'] if a.report == 'cross' else r['estimate']
        r.update(task=task.name, family=fam, dim=d, strength=s, estimator=e, window_kind=window, true_mi=mi,
                 reported=rep, error=rep - mi, rel_error=(rep - mi) / mi, error_orthogonal=r['estimate'] - mi,
                 error_nll=r['estimate_nll'] - mi)
        r['meets_target'] = bool(target_ok(r['error'], mi, s) and r['seconds'] <= SECONDS_TARGET)
        results.append(r)
        rows.append(dict(task=task.name, estimator=e + ('' if window == 'auto' else ' (fixed window)'),
                         true_mi=mi, orthogonal=r['estimate'], nll_diff=r['estimate_nll'],
                         **({'cross': r['estimate_cross']} if 'estimate_cross' in r else {}), error=r['error'],
                         rel_error=f"{100 * r['rel_error']:+.1f}%", orth_error=r['error_orthogonal'],
                         seconds=f"{r['seconds']:.0f}", epochs=r['epochs'],
                         window=f"[{r['window'][0]:.1f}, {r['window'][1]:.1f}]",
                         meets_target=r['meets_target'] if window == 'auto' else None))
        cross = f"cross-fitted {r['estimate_cross']:.3f} ± {r['se_cross']:.3f}, " if 'estimate_cross' in r else ''
        print(f"  {task.name} {e} {window}: {cross}orthogonal {r['estimate']:.3f} ± {r['se_orthogonal']:.3f}, "
              f"NLL diff {r['estimate_nll']:.3f} ± {r['se_nll']:.3f} (true {mi:.3f}, {a.report} error {r['error']:+.3f}, "
              f"{100 * r['rel_error']:+.1f}%) {r['seconds']:.0f} s, {r['steps']} steps ({r['guard_clips']} guarded), window "
              f"[{r['window'][0]:.1f}, {r['window'][1]:.1f}]", file=sys.stderr, flush=True)
    if a.jobs > 1: pool.shutdown()
    total = time.perf_counter() - t_start

    summary = []
    for e in a.estimators:
        for s in a.strengths:
            rs = [r for r in results if r['estimator'] == e and r['strength'] == s and r['window_kind'] == 'auto']
            if not rs: continue
            summary.append(dict(estimator=e, strength=f'{s:g}', runs=len(rs), met=sum(r['meets_target'] for r in rs),
                                mean_abs_err=float(np.mean([abs(r['error']) for r in rs])),
                                mean_abs_rel_err=f"{100 * np.mean([abs(r['rel_error']) for r in rs]):.1f}%",
                                mean_abs_orth_err=float(np.mean([abs(r['error_orthogonal']) for r in rs])),
                                mean_abs_nll_err=float(np.mean([abs(r['error_nll']) for r in rs])),
                                max_s=f"{max(r['seconds'] for r in rs):.0f}"))
    # The alternative: fixed reference window vs the data-driven one, cell by cell.
    comparison = []
    for f in (r for r in results if r['window_kind'] == 'fixed'):
        au = next(r for r in results if r['window_kind'] == 'auto' and r['task'] == f['task'] and r['estimator'] == f['estimator'])
        comparison.append(dict(task=f['task'], estimator=f['estimator'], true_mi=f['true_mi'],
                               auto_orth=au['estimate'], fixed_orth=f['estimate'], orth_auto_minus_fixed=au['estimate'] - f['estimate'],
                               auto_nll=au['estimate_nll'], fixed_nll=f['estimate_nll'],
                               nll_auto_minus_fixed=au['estimate_nll'] - f['estimate_nll'],
                               abs_err_ratio_fixed_over_auto=abs(f['error']) / max(abs(au['error']), 1e-12)))
    # The reference network (MMG's: y at the input only) vs the adaptive conditioning, unified, same cells.
    network = []
    for f in (r for r in results if r['estimator'] == 'unified_input' and r['window_kind'] == 'auto'):
        au = next((r for r in results if r['window_kind'] == 'auto' and r['task'] == f['task'] and r['estimator'] == 'unified'), None)
        if au: network.append(dict(task=f['task'], true_mi=f['true_mi'], adaptive_nll=au['estimate_nll'], input_nll=f['estimate_nll'],
                                   nll_adaptive_minus_input=au['estimate_nll'] - f['estimate_nll'],
                                   abs_err_ratio_input_over_adaptive=abs(f['error']) / max(abs(au['error']), 1e-12),
                                   adaptive_s=f"{au['seconds']:.0f}", input_s=f"{f['seconds']:.0f}"))
    auto_runs = [r for r in results if r['window_kind'] == 'auto' and r['estimator'] != 'unified_input']   # the reference is not judged
    ok = bool(auto_runs) and all(r['meets_target'] for r in auto_runs)

    for r in (r for r in results if r['curve']):
        c = r['curve']
        ref = c['guide']
        col = 'exact' if r['family'] == 'multinormal' else 'guide'
        keep = [i for i, al in enumerate(c['alpha']) if float(al).is_integer()]
        print(f"\n{r['task']} {r['estimator']} ({r['window_kind']} window): integrands per unit α "
              f"(trapezoid: gap {np.trapezoid(c['gap'], c['alpha']):.3f}, orthogonal {np.trapezoid(c['orthogonal'], c['alpha']):.3f}, "
              f"{col} {np.trapezoid(ref, c['alpha']):.3f})")
        print(format_table([{'alpha': c['alpha'][i], 'mmse_x': c['mmse_x'][i], 'mmse_x_given_y': c['mmse_x_given_y'][i],
                             'gap': c['gap'][i], 'orthogonal': c['orthogonal'][i], col: float(ref[i]),
                             'missing': float(ref[i]) - c['orthogonal'][i]} for i in keep]))
    print('\n' + format_table(rows) + '\n')
    print(format_table(summary) + '\n')
    if comparison: print(format_table(comparison) + '\n')
    if network: print(format_table(network) + '\n')
    print(f"targets (|error| <= {ABS_TARGET} nats at strength 2, <= {100 * REL_TARGET:.0f} % at 200, <= {SECONDS_TARGET:.0f} s "
          f"per run): {sum(r['meets_target'] for r in auto_runs)}/{len(auto_runs)} runs meet them: {'met' if ok else 'NOT met'}")
    print(f'total: {total:.0f} s')
    if a.out:
        write_json(a.out, dict(command=cmd, machine=machine, n=a.n, epochs=a.epochs, preset=a.preset, report=a.report, seed=a.seed, settings=settings, fixed=FIXED,
                               targets=dict(abs_error_at_strength_2=ABS_TARGET, rel_error_at_strength_200=REL_TARGET,
                                            seconds_per_run=SECONDS_TARGET),
                               runs=results, summary=summary, comparison=comparison, network_comparison=network, targets_met=ok,
                               total_seconds=total, environment=environment_info()))
    return 0 if ok else 1

if __name__ == '__main__': sys.exit(main())
