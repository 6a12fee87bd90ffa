/**
 * The flags every problem-set task shares on the command line: `--data FILE [--limit N]` (the MAKER authors' file)
 * or `--SIZE N [--count C]` (a seeded set of our own), never both, and `--strategy`. Parsed into plain JSON options.
 */
import { InputError } from '../../core/errors.ts';
import type { TaskFlag } from '../definition.ts';
import { integerFlag } from '../option-values.ts';

/** Where a set's problems come from. */
export type SetSource = { readonly data: string; readonly limit: number | null } | { readonly size: number; readonly count: number };

/** How a task names its generated set's size. */
export interface SizeFlag {
  /** The flag (`digits`, `length`). */
  readonly name: string;
  readonly description: string;
  readonly max: number;
  /** Most problems a generated set may hold. */
  readonly maxCount: number;
}

/** The flags, for `--help`. */
export function setFlags(size: SizeFlag, strategies: readonly string[]): TaskFlag[] {
  return [
    { name: 'data', description: "the MAKER authors' file (JSON lines with question and answer), read as it is", placeholder: '<file>' },
    { name: 'limit', description: 'with --data: only the first N problems', placeholder: '<n>' },
    { name: size.name, description: size.description, placeholder: '<n>' },
    { name: 'count', description: `with --${size.name}: number of problems (default 20)`, placeholder: '<n>' },
    { name: 'strategy', description: strategies.join(' | '), placeholder: '<name>', default: 'decomposed' },
  ];
}

/** The source from flag values, validated: a bad or contradictory flag is an `InputError` quoting it. */
export function setSourceFrom(flags: Readonly<Record<string, string | true | undefined>>, size: SizeFlag): SetSource {
  const sizeValue = flags[size.name];
  if (flags['data'] !== undefined) {
    if (sizeValue !== undefined) throw new InputError(`Expected --data FILE or --${size.name} N, got both`);
    if (flags['count'] !== undefined) throw new InputError(`Expected --count only with --${size.name}; use --limit with --data`);
    return { data: String(flags['data']), limit: flags['limit'] === undefined ? null : integerFlag('limit', String(flags['limit']), 1) };
  }
  if (sizeValue === undefined) throw new InputError(`Expected --data FILE (the authors' set) or --${size.name} N --count C (a seeded set), got neither`);
  if (flags['limit'] !== undefined) throw new InputError(`Expected --limit only with --data; use --count with --${size.name}`);
  return { size: integerFlag(size.name, String(sizeValue), 1, size.max), count: integerFlag('count', String(flags['count'] ?? '20'), 1, size.maxCount) };
}
