/**
 * Where this package is: the directory of maker-ts's package.json, found by walking up from this file. The same
 * code runs from the sources (core/) and from the compiled package (dist/core/, possibly inside someone's
 * node_modules), so a fixed relative path to bin/ or data/ would point into dist/ in the second case.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'maker-ts';

let found: { root: string; version: string } | undefined;

function find(): { root: string; version: string } {
  if (found !== undefined) return found;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === PACKAGE_NAME) return (found = { root: dir, version: String(pkg.version) });
    }
    if (dirname(dir) === dir) throw new Error(`Cannot find ${PACKAGE_NAME}'s package.json above ${start}`);
  }
}

/** Absolute path of the package's root directory (where package.json, bin/ and dist/ are). */
export function packageRoot(): string {
  return find().root;
}

/** The package's version, from its package.json. */
export function packageVersion(): string {
  return find().version;
}
