/**
 * How the simulated model answers sorting prompts, from the prompt text alone.
 *
 * - A comparator call: reads the two integers and answers them in ascending order. Its slips: the pair
 *   swapped (the comparison the wrong way round, as when two negatives are compared by magnitude), one element
 *   lost and the other duplicated, one element's last digit off by one.
 * - A flat call: reads the list off the authors' question and answers it sorted, but one answer must get every
 *   comparison right: `stepsInAnswer` is ⌈log2(n!)⌉, the fewest comparisons any comparison sort needs (a lower
 *   bound, so the compounding is if anything kind to flat). Its slips: two neighbours swapped, an element lost
 *   and a neighbour duplicated, a digit mistyped, the negatives ordered by magnitude, an element left behind.
 */
import { hashString, type Random } from '../../core/rng.ts';
import type { SimBehaviour } from '../../models/sim-behaviour.ts';
import { formatListAnswer, parseListAnswer } from './list-answer.ts';
import { sortedValues } from './problem.ts';
import { COMPARE_SYSTEM } from './prompts.ts';

const PAIR = /^Integers: (-?\d+), (-?\d+)$/m;
const FLAT_LIST = /Sort the following list of integers in ascending order[^\n]*\n\s*(\[[^\]]*\])/;

type PromptFacts = { readonly kind: 'compare'; readonly x: number; readonly y: number } | { readonly kind: 'flat'; readonly values: readonly number[] };

function readPrompt(prompt: string): PromptFacts | undefined {
  if (prompt.includes(COMPARE_SYSTEM)) {
    const pair = PAIR.exec(prompt);
    return pair === null ? undefined : { kind: 'compare', x: Number(pair[1]), y: Number(pair[2]) };
  }
  const list = FLAT_LIST.exec(prompt);
  if (list === null) return undefined;
  const parsed = parseListAnswer(`#### ${list[1]}`, list[1]!.split(',').length);
  return parsed.ok ? { kind: 'flat', values: parsed.value } : undefined;
}

/** ⌈log2(n!)⌉: the fewest comparisons that can sort n elements in the worst case. */
export function minimumComparisons(n: number): number {
  let bits = 0;
  for (let k = 2; k <= n; k++) bits += Math.log2(k);
  return Math.max(0, Math.ceil(bits - 1e-9));
}

/** A comparator call's plausible slips, as pairs, none equal to the right one. */
export function pairSlips(x: number, y: number): number[][] {
  const low = Math.min(x, y);
  const high = Math.max(x, y);
  const slips = [
    [high, low], // the comparison the wrong way round
    [low, low], // the larger lost, the smaller written twice
    [high, high], // the smaller lost, the larger written twice
    [low, high + 1], // a digit off by one
    [low - 1, high],
  ];
  return distinctWrong(slips, [low, high]);
}

/** A flat answer's plausible slips, as lists of the same length, none equal to the right one. */
export function listSlips(values: readonly number[]): number[][] {
  const sorted = sortedValues(values);
  const n = sorted.length;
  const seed = hashString(sorted.join(','));
  const at = (salt: number, size: number) => hashString(String(salt), seed) % Math.max(size, 1);
  const slips: number[][] = [];
  if (n >= 2) {
    // Two neighbours swapped.
    const swap = at(1, n - 1);
    slips.push([...sorted.slice(0, swap), sorted[swap + 1]!, sorted[swap]!, ...sorted.slice(swap + 2)]);
    // One element lost, a neighbour written twice in its place.
    const lost = at(2, n - 1);
    slips.push([...sorted.slice(0, lost), sorted[lost + 1]!, ...sorted.slice(lost + 1)]);
    // One element left behind: written a few places too late.
    const from = at(3, n - 1);
    const to = Math.min(n - 1, from + 1 + at(4, 5));
    const moved = [...sorted];
    const [element] = moved.splice(from, 1);
    moved.splice(to, 0, element!);
    slips.push(moved);
  }
  // One element's last digit off by one.
  const typo = at(5, n);
  slips.push(sorted.map((value, index) => (index === typo ? value + 1 : value)));
  // The negatives ordered by magnitude (-5 before -40).
  const negatives = sorted.filter((value) => value < 0);
  if (negatives.length >= 2) slips.push([...negatives.reverse(), ...sorted.filter((value) => value >= 0)]);
  return distinctWrong(slips, sorted);
}

function distinctWrong(slips: readonly number[][], right: readonly number[]): number[][] {
  const seen = new Set<string>([right.join(',')]);
  return slips.filter((slip) => {
    const key = slip.join(',');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The simulated model's sorting behaviour (comparator calls and flat calls). */
export const sortingSim: SimBehaviour = {
  respond(prompt) {
    const facts = readPrompt(prompt);
    if (facts === undefined) return undefined;
    return formatListAnswer(facts.kind === 'compare' ? sortedValues([facts.x, facts.y]) : sortedValues(facts.values));
  },

  wrongAnswers(prompt, correct) {
    const facts = readPrompt(prompt);
    if (facts === undefined) return ['#### [0, 0]', '#### [0, 1]'];
    const slips = facts.kind === 'compare' ? pairSlips(facts.x, facts.y) : listSlips(facts.values);
    return slips.map(formatListAnswer).filter((text) => text !== correct);
  },

  malformed(prompt, random: Random) {
    const facts = readPrompt(prompt);
    const sorted = facts === undefined ? [] : sortedValues(facts.kind === 'compare' ? [facts.x, facts.y] : facts.values);
    // The list cut short (an element lost outright, or the answer ended mid-list), or no marker at all.
    if (random() < 0.5) return formatListAnswer(sorted.slice(0, -1));
    return `The sorted list is [${sorted.join(', ')}]`;
  },

  stepsInAnswer(prompt) {
    const facts = readPrompt(prompt);
    return facts?.kind === 'flat' ? Math.max(1, minimumComparisons(facts.values.length)) : 1;
  },
};
