/**
 * Where the MAKER authors' data lives in this repository (`data/maker-official/`, Apache-2.0, see its README),
 * and short names for its files, for the benchmark and tests.
 */
import { join } from 'node:path';
import { packageRoot } from '../../core/package-root.ts';

/** The authors' files by short name. */
export const MAKER_DATA_FILES = {
  'mul-5x5': 'bench_long_mul_5_5__200.jsonl',
  'mul-6x6': 'bench_long_mul_6_6__200.jsonl',
  'sort-5': 'synthetic_sort_len_5__200.jsonl',
  'sort-500': 'bench_sort_len_500__50.jsonl',
} as const;

/** A short name of one of the authors' files. */
export type MakerDataName = keyof typeof MAKER_DATA_FILES;

/** The absolute path of one of the authors' files, in `data/maker-official/` at the package root (shipped with it). */
export function makerDataFile(name: MakerDataName): string {
  return join(packageRoot(), 'data', 'maker-official', MAKER_DATA_FILES[name]);
}
