/**
 * Splitting a sweep over processes or machines: `--shard i/n` runs the i-th of n disjoint parts of the case list
 * (1-based, as in `--shard 2/3`). Cases are dealt out by weight — heaviest first, each to the lightest shard so
 * far — so the parts take about equally long; the split depends only on the case list, so every machine computes
 * the same one.
 */
import { InputError } from '../../core/errors.ts';
import type { BenchCase } from './scenario.ts';

/** One part of a split sweep. */
export interface Shard {
  /** 1-based index. */
  readonly index: number;
  readonly count: number;
}

/** Parses `i/n`, 1 <= i <= n. */
export function parseShard(value: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (match === null || count < 1 || index < 1 || index > count) {
    throw new InputError(`Expected --shard to be i/n with 1 <= i <= n, e.g. 2/3, got \`${value}\``);
  }
  return { index, count };
}

/** The cases of one shard, in their original order. */
export function selectShard<C>(cases: readonly BenchCase<C>[], shard: Shard): BenchCase<C>[] {
  if (shard.count === 1) return [...cases];
  const loads = new Array<number>(shard.count).fill(0);
  const owner = new Map<string, number>();
  const byWeight = cases.map((item, order) => ({ item, order })).sort((a, b) => b.item.weight - a.item.weight || a.order - b.order);
  for (const { item } of byWeight) {
    let lightest = 0;
    for (let i = 1; i < loads.length; i++) if (loads[i]! < loads[lightest]!) lightest = i;
    loads[lightest]! += item.weight;
    owner.set(item.id, lightest + 1);
  }
  return cases.filter((item) => owner.get(item.id) === shard.index);
}

/** The file a shard's results go to. */
export function shardFileName(scenario: string, shard: Shard): string {
  return `${scenario}.shard-${shard.index}-of-${shard.count}.json`;
}
