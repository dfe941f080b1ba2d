#!/usr/bin/env python
"""Synthesise a small SYNTHETIC articulatory dataset: EMA-like trajectories + paired audio (VocalTractLab, speaker JD3).

Every utterance is a random sequence of VocalTractLab (VTL) target shapes stored in the bundled JD3 speaker file
(vowels, and consonant constrictions in the vowel context that follows them), with random durations. The 19 tract
parameters are interpolated linearly between the targets and smoothed (articulator inertia), a random F0 contour
and a lung-pressure envelope drive the geometric glottis model, and `vtl.synth_block` produces 44.1 kHz audio.
EMA-like sensor positions are read off the same tract states with `vtl.get_surface_vertices`.

Outputs (under --out, default data_subset/ema):

* `{split}/utt_{i:03d}.npy`: float32, T x 14, 50 frames/s (frame j covers audio time [0.02 j, 0.02 j + 0.02)):
  TDX TDY TBX TBY TTX TTY LIX LIY ULX ULY LLX LLY (cm, midsagittal x/y at the frame centre), loudness (dB RMS of the
  stored 16 kHz wav in the frame, floor -100), pitch (F0 commanded to the synthesiser in Hz where lung pressure is on,
  else 0).
* `{split}/utt_{i:03d}.wav`: mono 16 kHz 16-bit PCM, peak-normalised to 0.9, exactly T * 320 samples.
* `metadata.csv`: file, split, frames, seconds, f0_start, targets, paused.

`README.md` in the output folder is written by hand and is not touched. Deterministic: utterance i depends only on
(--seed, i), never on --jobs or on the order of synthesis (VTL synthesis itself is deterministic).

Run from the repository root:

    OMP_NUM_THREADS=1 .venv/bin/python tools/make_ema_subset.py            # --seed 0 --out data_subset/ema --n 48

Needs numpy, scipy, soundfile and vocaltractlab-cython==0.0.17 (`get_surface_vertices` is new in 0.0.17).
"""
import argparse, csv, os, sys, time
from pathlib import Path

import numpy as np

# ------------------------------------------------------------------------------------------------------ constants
FRAME_S = 0.02                     # output hop: 50 frames/s
SR_OUT = 16000                     # wav sample rate
PEAK = 0.9                         # wav peak after normalisation
LOUD_FLOOR_DB = -100.0
CHANNELS = ['TDX', 'TDY', 'TBX', 'TBY', 'TTX', 'TTY', 'LIX', 'LIY', 'ULX', 'ULY', 'LLX', 'LLY', 'loudness', 'pitch']
# EMA sensor -> (VTL surface index, flat vertex index on that surface), x/y taken in cm.
# TD/TB/TT/UL/LL are the vertices VTL's own vtlGesturalScoreToEma uses (tongue back / middle / tip, lips);
# LI (lower incisor) is our choice: the front-most midsagittal vertex of the lower-teeth surface.
SENSORS = {'TD': (16, 115), 'TB': (16, 225), 'TT': (16, 335), 'LI': (1, 122), 'UL': (4, 89), 'LL': (5, 89)}

VOWELS = ['a', 'e', 'i', 'o', 'u', 'E', 'O', 'I', 'U', '@', '2', 'y']
# consonant shapes exist in the contexts (a), (i), (u); pick the one matching the following vowel
VOWEL_CONTEXT = {'a': 'a', '@': 'a', 'e': 'i', 'i': 'i', 'E': 'i', 'I': 'i', '2': 'i', 'y': 'i',
                 'o': 'u', 'u': 'u', 'O': 'u', 'U': 'u'}
CONSONANTS = {  # stem: sampling weight (closures dominate; a few fricatives and a lateral for variety)
    'll-labial-closure': 3, 'tt-alveolar-closure': 3, 'tb-velar-closure': 3,
    'tt-alveolar-fricative': 1, 'tt-postalveolar-fricative': 1, 'll-dental-fricative': 1, 'tt-alveolar-lateral': 1}
PAUSE = '<pause>'

DUR_RANGE = (1.5, 3.5)             # utterance length in s (before rounding down to whole 20 ms frames)
VOWEL_DUR = (0.09, 0.22)           # s
CONS_DUR = (0.06, 0.12)            # s
PAUSE_DUR = (0.15, 0.35)           # s
EDGE_SIL = (0.05, 0.15)            # silence (pressure off) before voicing onset / after offset, s
PLATEAU = 0.4                      # each target is held for this fraction of its segment, centred
SMOOTH_S = 0.05                    # Hann smoothing window (~ articulator inertia), s
RAMP_S = 0.03                      # lung-pressure raised-cosine on/off ramps, s
P_PAUSE = 0.4                      # probability of a mid-utterance pause
P_ONSETLESS = 0.2                  # probability of a syllable without consonant (V instead of CV)
PRESSURE = 8000.0                  # dPa, VTL 'modal' standard
PITCH_ON = 0.5                     # pitch reported where pressure >= PITCH_ON * PRESSURE


# ------------------------------------------------------------------------------------------------ one utterance
def design(rng):
    """Random utterance plan: duration, segment list [(shape name or PAUSE, duration s)], F0 and pressure params."""
    n_frames = int(np.floor(rng.uniform(*DUR_RANGE) / FRAME_S))
    dur = n_frames * FRAME_S
    t_on, t_off = rng.uniform(*EDGE_SIL), dur - rng.uniform(*EDGE_SIL)
    span = t_off - t_on
    # syllables: first one may be a bare vowel; CV with prob 1 - P_ONSETLESS otherwise
    cstems, cw = list(CONSONANTS), np.array(list(CONSONANTS.values()), float)
    sylls, total = [], 0.0
    while total < span:
        v = VOWELS[rng.integers(len(VOWELS))]
        syl = [(v, rng.uniform(*VOWEL_DUR))]
        if (sylls or rng.random() < 0.5) and rng.random() >= P_ONSETLESS:
            c = cstems[rng.choice(len(cstems), p=cw / cw.sum())]
            syl.insert(0, (f'{c}({VOWEL_CONTEXT[v]})', rng.uniform(*CONS_DUR)))
        sylls.append(syl); total += sum(d for _, d in syl)
    paused = len(sylls) >= 3 and rng.random() < P_PAUSE
    pause_dur = rng.uniform(*PAUSE_DUR) if paused else 0.0
    scale = (span - pause_dur) / total     # stretch/shrink the segments so they fill [t_on, t_off] exactly
    segs = [(name, d * scale) for syl in sylls for name, d in syl]
    if paused:  # at the syllable boundary nearest to a random point in the middle 35-65 % of the voiced span
        bounds = np.cumsum([sum(d for _, d in syl) * scale for syl in sylls])[:-1]
        b = int(np.argmin(np.abs(bounds - rng.uniform(0.35, 0.65) * (span - pause_dur))))
        k = sum(len(s) for s in sylls[:b + 1])
        segs.insert(k, (PAUSE, pause_dur))
    f0_start = rng.uniform(90, 220)
    f0 = dict(start=f0_start, end=f0_start * rng.uniform(0.7, 0.9),                 # declination
              mods=[(rng.uniform(0.04, 0.08) * f0_start / 2, rng.uniform(0.5, 2.5), rng.uniform(0, 2 * np.pi))
                    for _ in range(2)])                                              # slow modulation
    return dict(n_frames=n_frames, dur=dur, t_on=t_on, t_off=t_off, segs=segs, paused=paused, f0=f0)


def _raised_cos(x):
    return 0.5 - 0.5 * np.cos(np.pi * np.clip(x, 0, 1))


def trajectories(plan, vtl, fps_state, n_states):
    """Tract (n_states x 19) and glottis (n_states x 11) parameter sequences on VTL's state grid."""
    t = np.arange(n_states) / fps_state                      # state k sits at audio sample 110 k
    kt, kv, pos, voiced = [], [], plan['t_on'], []
    seg_start = plan['t_on']
    for name, d in plan['segs']:
        if name == PAUSE:
            voiced.append((seg_start, pos)); seg_start = pos + d
        else:                                                # hold the target for PLATEAU of the segment, centred
            shape = vtl.get_shape(name, 'tract')
            for f in (0.5 - PLATEAU / 2, 0.5 + PLATEAU / 2):
                kt.append(pos + f * d); kv.append(shape)
        pos += d
    voiced.append((seg_start, plan['t_off']))
    kv = np.array(kv)
    tract = np.stack([np.interp(t, kt, kv[:, j]) for j in range(kv.shape[1])], 1)   # holds the ends
    half = int(round(SMOOTH_S * fps_state / 2))
    w = np.hanning(2 * half + 1); w /= w.sum()
    tract = np.stack([np.convolve(np.pad(c, half, mode='edge'), w, 'valid') for c in tract.T], 1)
    # glottis: 'modal' shape, F0 contour, lung pressure on in the voiced intervals with raised-cosine ramps
    f = plan['f0']
    f0 = f['start'] + (f['end'] - f['start']) * t / plan['dur']
    for amp, hz, ph in f['mods']:
        f0 = f0 + amp * np.sin(2 * np.pi * hz * t + ph)
    env = np.zeros_like(t)
    for a, b in voiced:
        env = np.maximum(env, np.minimum(_raised_cos((t - a) / RAMP_S), _raised_cos((b - t) / RAMP_S)))
    glot = np.tile(vtl.get_shape('modal', 'glottis'), (n_states, 1))
    glot[:, 0], glot[:, 1] = f0, PRESSURE * env
    return np.ascontiguousarray(tract), np.ascontiguousarray(glot)


def make_utterance(i, seed):
    """Synthesise utterance i; returns (plan, 16 kHz int16 audio, T x 14 float32 features, seconds spent)."""
    import vocaltractlab_cython as vtl
    from scipy.signal import resample_poly
    t0 = time.perf_counter()
    rng = np.random.default_rng([seed, i])
    plan = design(rng)
    K = vtl.get_constants()
    sr, hop = K['sr_audio'], K['n_samples_per_state']
    fps_state = sr / hop
    T = plan['n_frames']
    n44 = int(round(T * FRAME_S * sr))                      # 882 samples per frame
    n_states = int(np.ceil(n44 / hop)) + 2
    tract, glot = trajectories(plan, vtl, fps_state, n_states)
    audio = vtl.synth_block(tract, glot)[:n44]
    assert len(audio) == n44, (len(audio), n44)
    # 44.1 kHz -> 16 kHz (160/441), peak-normalise, 16 bit
    y = resample_poly(audio, 160, 441)
    assert len(y) == T * 320, (len(y), T)
    pcm = np.round(y / np.abs(y).max() * PEAK * 32767).astype(np.int16)
    # features at frame centres
    feats = np.zeros((T, len(CHANNELS)), np.float64)
    tc = (np.arange(T) + 0.5) * FRAME_S
    s = tc * fps_state                                       # fractional state index
    k0 = np.floor(s).astype(int); a = (s - k0)[:, None]
    tr_c = (1 - a) * tract[k0] + a * tract[k0 + 1]           # tract state at the frame centre
    surfaces = sorted({surf for surf, _ in SENSORS.values()})
    for j in range(T):
        verts = {surf: vtl.get_surface_vertices(np.ascontiguousarray(tr_c[j]), surf).reshape(-1, 3)
                 for surf in surfaces}
        for n, (surf, v) in enumerate(SENSORS.values()):
            feats[j, 2 * n:2 * n + 2] = verts[surf][v, :2]    # SENSORS is in CHANNELS order
    x = pcm.astype(np.float64).reshape(T, 320) / 32768.0     # as soundfile reads the wav back
    rms = np.sqrt(np.mean(x ** 2, 1))
    feats[:, 12] = np.maximum(20 * np.log10(np.maximum(rms, 1e-12)), LOUD_FLOOR_DB)
    g_c = (1 - a) * glot[k0] + a * glot[k0 + 1]
    feats[:, 13] = np.where(g_c[:, 1] >= PITCH_ON * PRESSURE, g_c[:, 0], 0.0)
    return plan, pcm, feats.astype(np.float32), time.perf_counter() - t0


def _work(args):
    i, seed = args
    return (i,) + make_utterance(i, seed)


# ----------------------------------------------------------------------------------------------------------- main
def split_of(i, n):
    n_val = n_test = int(round(n / 6))
    n_train = n - n_val - n_test
    return 'train' if i < n_train else 'val' if i < n_train + n_val else 'test'


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', default='data_subset/ema')
    p.add_argument('--n', type=int, default=48, help='number of utterances (split 2/3 train, 1/6 val, 1/6 test)')
    p.add_argument('--jobs', type=int, default=1, help='worker processes (results do not depend on it)')
    args = p.parse_args(argv)
    t_start = time.perf_counter()
    out = Path(args.out)
    for sp in ('train', 'val', 'test'):                     # remove stale utterances from earlier runs
        (out / sp).mkdir(parents=True, exist_ok=True)
        for f in list((out / sp).glob('utt_*.npy')) + list((out / sp).glob('utt_*.wav')):
            f.unlink()
    import soundfile as sf
    import vocaltractlab_cython as vtl
    print(f'VocalTractLab {vtl.get_version()}, speaker {Path(vtl.ACTIVE_SPEAKER_PATH).name}; '
          f'{args.n} utterances, seed {args.seed}, jobs {args.jobs} -> {out}', flush=True)
    jobs = [(i, args.seed) for i in range(args.n)]
    if args.jobs > 1:
        import multiprocessing as mp
        pool = mp.get_context('spawn').Pool(args.jobs)     # VTL is a process-global singleton: use processes
        results = pool.imap_unordered(_work, jobs)
    else:
        pool, results = None, map(_work, jobs)
    rows = {}
    for done, (i, plan, pcm, feats, secs) in enumerate(results, 1):
        sp = split_of(i, args.n)
        stem = f'{sp}/utt_{i:03d}'
        np.save(out / f'{stem}.npy', feats)
        sf.write(out / f'{stem}.wav', pcm, SR_OUT, subtype='PCM_16')
        names = [n for n, _ in plan['segs']]
        rows[i] = dict(file=f'{stem}.npy', split=sp, frames=plan['n_frames'], seconds=f"{plan['dur']:.2f}",
                       f0_start=f"{plan['f0']['start']:.2f}", targets=' '.join(names), paused=plan['paused'])
        print(f'[{done:3d}/{args.n}] {stem}  {plan["dur"]:.2f} s  {len(names):2d} targets'
              f'{"  pause" if plan["paused"] else ""}  {secs:5.1f} s   elapsed {time.perf_counter() - t_start:6.1f} s',
              flush=True)
    if pool is not None:
        pool.close(); pool.join()
    with open(out / 'metadata.csv', 'w', newline='') as fh:
        w = csv.DictWriter(fh, fieldnames=['file', 'split', 'frames', 'seconds', 'f0_start', 'targets', 'paused'])
        w.writeheader()
        for i in sorted(rows):
            w.writerow(rows[i])
    ok = check(out, [rows[i] for i in sorted(rows)])
    size = sum(f.stat().st_size for f in out.rglob('*') if f.is_file())
    print(f'total size of {out}: {size / 1e6:.2f} MB (file bytes; du counts whole blocks)')
    print(f'total runtime {time.perf_counter() - t_start:.1f} s')
    return 0 if ok else 1


def check(out, rows):
    """Sanity checks on what was written; prints a per-channel summary. Returns True when all pass."""
    import soundfile as sf
    ok, feats = True, []
    for r in rows:
        x = np.load(out / r['file'])
        info = sf.info(str(out / r['file'].replace('.npy', '.wav')))
        T_wav = info.frames / info.samplerate / FRAME_S
        probs = []
        if x.dtype != np.float32 or x.ndim != 2 or x.shape[1] != len(CHANNELS): probs.append(f'shape {x.shape} {x.dtype}')
        if x.shape[0] != int(r['frames']): probs.append(f'T {x.shape[0]} != metadata {r["frames"]}')
        if not np.isfinite(x).all(): probs.append('non-finite values')
        if abs(T_wav - x.shape[0]) > 1: probs.append(f'wav has {T_wav:.2f} frames, npy {x.shape[0]}')
        if info.samplerate != SR_OUT or info.channels != 1 or info.subtype != 'PCM_16': probs.append(f'wav {info}')
        if (x[:, 13] == 0).all() or (x[:, 12] > LOUD_FLOOR_DB).sum() == 0: probs.append('no voiced / audible frames')
        if probs:
            ok = False; print('PROBLEM', r['file'], '; '.join(probs))
        feats.append(x)
    allx = np.concatenate(feats)
    std = allx.std(0)
    if (std[:12] <= 0).any():
        ok = False; print('PROBLEM: constant EMA channel(s):', [c for c, s in zip(CHANNELS, std) if s <= 0])
    print(f'{len(rows)} utterances, {allx.shape[0]} frames ({allx.shape[0] * FRAME_S:.1f} s); '
          f'unvoiced frames (pitch 0) {np.mean(allx[:, 13] == 0) * 100:.1f} %')
    print(f'{"channel":9s} {"min":>9s} {"max":>9s} {"mean":>9s} {"std":>8s}')
    for c, col in zip(CHANNELS, allx.T):
        print(f'{c:9s} {col.min():9.3f} {col.max():9.3f} {col.mean():9.3f} {col.std():8.3f}')
    voiced = allx[allx[:, 13] > 0, 13]
    print(f'pitch over voiced frames: {voiced.min():.1f}-{voiced.max():.1f} Hz')
    print('sanity checks', 'passed' if ok else 'FAILED')
    return ok


if __name__ == '__main__':
    sys.exit(main())
