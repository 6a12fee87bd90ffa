/**
 * The MAKER authors' data files as they are: JSON lines `{"id", "question", "answer"}` (their repository's
 * `data/` folder, copied to `data/maker-official/`). Each task reads the question's operands itself; this file
 * only splits and checks the lines, so a malformed file fails before any call is made.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../../core/errors.ts';

/** One line of an authors' data file. */
export interface DatasetRow {
  readonly id: string;
  readonly question: string;
  readonly answer: string;
}

/** Parses JSON-lines text into rows; `source` names the file in errors. Blank lines are skipped. */
export function parseDatasetRows(text: string, source: string): DatasetRow[] {
  const rows: DatasetRow[] = [];
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new InputError(`${source}:${index + 1} is not a JSON object; expected one {"id", "question", "answer"} object per line`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new InputError(`${source}:${index + 1} is not a JSON object; expected one {"id", "question", "answer"} object per line`);
    }
    const record = value as Record<string, unknown>;
    for (const field of ['question', 'answer'] as const) {
      if (typeof record[field] !== 'string') {
        throw new InputError(`${source}:${index + 1} has no string \`${field}\`; expected {"id", "question", "answer"}`);
      }
    }
    const id = record['id'];
    rows.push({
      id: typeof id === 'string' || typeof id === 'number' ? String(id) : `${source}:${index + 1}`,
      question: record['question'] as string,
      answer: record['answer'] as string,
    });
  }
  if (rows.length === 0) throw new InputError(`${source} holds no rows; expected one {"id", "question", "answer"} object per line`);
  return rows;
}

/** Reads an authors' data file; a missing or unreadable file is an `InputError`. */
export function readDatasetRows(file: string): DatasetRow[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`Cannot read data file \`${file}\`: ${(error as Error).message}`, { cause: error });
  }
  return parseDatasetRows(text, file);
}

/** Keeps the first `limit` rows (all when undefined), validating the limit. */
export function limitRows<T>(rows: readonly T[], limit: number | undefined): T[] {
  if (limit === undefined) return [...rows];
  if (!Number.isInteger(limit) || limit < 1) throw new InputError(`Expected \`limit\` to be an integer >= 1, got \`${limit}\``);
  return rows.slice(0, limit);
}
