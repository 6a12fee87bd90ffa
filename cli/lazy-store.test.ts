/**
 * The store's engine (DBOS) and driver (pg) are loaded only by the commands that use a store: help and runs
 * without `--store` never pay for them.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAKER = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'maker.js');
// Preloaded: at exit, prints which of the store's packages the process had loaded.
const PROBE = `data:text/javascript,${encodeURIComponent(
  "import { createRequire } from 'node:module'; const require = createRequire(process.cwd() + '/'); process.on('exit', () => { const loaded = Object.keys(require.cache); process.stderr.write('LOADED ' + JSON.stringify(['@dbos-inc/dbos-sdk', '/pg/lib/'].filter((name) => loaded.some((path) => path.includes(name)))) + '\\\\n'); });",
)}`;

function loaded(args: readonly string[]): string[] {
  const { stderr } = spawnSync(process.execPath, ['--import', PROBE, MAKER, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const match = /LOADED (\[.*\])/.exec(stderr);
  return JSON.parse(match?.[1] ?? 'null') as string[];
}

describe('the store is loaded lazily', () => {
  it('is not loaded by --help or a run without --store', () => {
    expect(loaded(['--help'])).toEqual([]);
    expect(loaded(['run', 'hanoi', '--disks', '3', '--json'])).toEqual([]);
  });

  it('is loaded by a command given --store (the probe sees it)', () => {
    // An unreachable store: the command fails, but only after loading pg to try it.
    expect(loaded(['report', '--store', 'postgres://nobody@127.0.0.1:1/none', '--run-id', 'x'])).toContain('/pg/lib/');
  });
});
