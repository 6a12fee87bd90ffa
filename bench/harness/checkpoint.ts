/**
 * Resumable sweeps: each finished case is appended to a checkpoint file (JSON lines) as soon as it ends, so an
 * interrupted sweep rerun with the same command skips what is done. The first line is the sweep's fingerprint
 * (scenario, parameters, shard); a checkpoint with a different fingerprint belongs to another sweep and is
 * ignored. A line cut short by a kill is ignored too.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A sweep's checkpoint file. */
export interface Checkpoint {
  readonly path: string;
  /** Results of the cases already done, by case id. */
  readonly done: ReadonlyMap<string, unknown>;
  /** Records a finished case. */
  append(id: string, result: unknown): void;
  /** Deletes the file once the sweep's results are written. */
  remove(): void;
}

/** Opens (or starts) the checkpoint at `path` for the sweep with this fingerprint. `fresh` discards what is there. */
export function openCheckpoint(path: string, fingerprint: string, fresh = false): Checkpoint {
  const done = new Map<string, unknown>();
  let valid = false;
  if (!fresh && existsSync(path)) {
    const lines = readFileSync(path, 'utf8').split('\n');
    try {
      valid = (JSON.parse(lines[0] ?? '') as { fingerprint?: unknown }).fingerprint === fingerprint;
    } catch {
      valid = false;
    }
    if (valid) {
      for (const line of lines.slice(1)) {
        if (line.trim() === '') continue;
        try {
          const record = JSON.parse(line) as { id: string; result: unknown };
          done.set(record.id, record.result);
        } catch {
          // A line cut short by a kill: that case runs again.
        }
      }
    }
  }
  if (!valid) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, `${JSON.stringify({ fingerprint })}\n`);
  }
  return {
    path,
    done,
    append(id, result) {
      appendFileSync(path, `${JSON.stringify({ id, result })}\n`);
      done.set(id, result);
    },
    remove() {
      rmSync(path, { force: true });
      // Leave no empty checkpoint folder behind.
      if (existsSync(dirname(path)) && readdirSync(dirname(path)).length === 0) rmSync(dirname(path), { recursive: true, force: true });
    },
  };
}
