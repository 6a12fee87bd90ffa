/**
 * Seeds and random streams. Every source of randomness in a run is derived from one run seed plus the
 * coordinates of the draw (step, sample, ...), never from a shared global stream, so a resumed or reordered
 * run draws exactly what an uninterrupted one would have.
 */
import seedrandom from 'seedrandom';

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** Mixes 32-bit words into a well-spread 32-bit unsigned integer (murmur3's finaliser applied per word). */
export function mixSeed(...parts: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    // Fold in the high bits too so seeds above 2^32 still differ.
    h = fmix(h ^ fmix((part >>> 0) ^ Math.floor(part / 4294967296)));
  }
  return h >>> 0;
}

function fmix(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit FNV-1a hash of a string, finalised: stable across runs and platforms. */
export function hashString(text: string, seed = 0): number {
  return fmix(fnv1a(text, fnvStart(seed)));
}

/** The FNV-1a state {@link hashString} starts from for `seed`. */
export function fnvStart(seed = 0): number {
  return (0x811c9dc5 ^ seed) >>> 0;
}

/**
 * FNV-1a over `text` from state `h`, unfinalised: hashing `a + b` is `fnv1a(b, fnv1a(a, h))`, so a text whose
 * head is shared (a prompt's constant rules) can be hashed from the head's saved state. {@link finishHash}
 * turns a state into what {@link hashString} would return.
 */
export function fnv1a(text: string, h: number): number {
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}

/** The finalised hash of an FNV-1a state. */
export function finishHash(h: number): number {
  return fmix(h);
}

/** Maps a 32-bit unsigned integer to a uniform number in [0, 1). */
export function unitFromHash(hash: number): number {
  return (hash >>> 0) / 4294967296;
}

/** A seeded uniform stream (seedrandom's Alea) for the given seed parts. */
export function randomStream(...parts: readonly number[]): Random {
  return seedrandom.alea(String(mixSeed(...parts)));
}

/**
 * A small seeded uniform stream for the hot path, where a stream lives for a handful of draws and millions are
 * made (the simulated model's draws for one sample): a 32-bit Weyl sequence through a strong 32-bit mixer
 * (SplitMix32 with Wellons' `lowbias32` finaliser), seeded by {@link mixSeed} of the parts. One closure, no
 * string hashing; `randomStream` stays the choice for long streams. Resolution 2^-32.
 */
export function sampleStream(a: number, b: number, c = 0): Random {
  let state = mixSeed(a, b, c);
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z ^= z >>> 16;
    z = Math.imul(z, 0x7feb352d);
    z ^= z >>> 15;
    z = Math.imul(z, 0x846ca68b);
    z ^= z >>> 16;
    return (z >>> 0) / 4294967296;
  };
}

/** A standard normal deviate from two uniforms (Box-Muller). */
export function normal(random: Random): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

// Acklam's rational approximation's coefficients, allocated once (the simulated model calls this once per step).
const QA = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239] as const;
const QB = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1] as const;
const QC = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783] as const;
const QD = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416] as const;

/** The standard normal quantile function (Acklam's rational approximation, |error| < 1.2e-9 after refinement). */
export function normalQuantile(probability: number): number {
  const p = Math.min(Math.max(probability, 1e-300), 1 - 1e-16);
  const a = QA;
  const b = QB;
  const c = QC;
  const d = QD;
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  return x;
}
