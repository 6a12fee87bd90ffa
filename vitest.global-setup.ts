/**
 * Before any test runs: rebuilds dist/ when a source is newer than the last build. Tests that spawn `maker`
 * (bin/maker.js) run the compiled CLI, so `npx vitest run some.test.ts` after an edit would otherwise test the
 * previous build. `npm test` builds first anyway; this only catches direct vitest runs.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SOURCES = ['core', 'models', 'dispatch', 'voting', 'planning', 'run', 'agent', 'durable', 'tasks', 'testing', 'bench', 'cli'];

/** Newest modification time of the non-test sources and build settings, in milliseconds. */
function newestSource(root: string): number {
  let newest = 0;
  const visit = (path: string): void => {
    let stat;
    try {
      stat = statSync(path);
    } catch {
      return;
    }
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
    else if (!path.endsWith('.test.ts')) newest = Math.max(newest, stat.mtimeMs);
  };
  for (const entry of [...SOURCES, 'index.ts', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) visit(join(root, entry));
  return newest;
}

export default function setup(): void {
  const root = import.meta.dirname;
  let built = 0;
  try {
    built = statSync(join(root, 'dist', 'index.js')).mtimeMs;
  } catch {
    // No build yet.
  }
  if (built >= newestSource(root)) return;
  try {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  } catch {
    // tsc still emits when it reports type errors; the type-check (npm test's first step) is where they fail.
    process.stderr.write('vitest.global-setup: the dist/ build reported errors; tests that spawn maker run what it emitted\n');
  }
}
