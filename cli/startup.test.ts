/**
 * What the compiled package loads to start: `maker --help` must not import the command modules, model clients,
 * tokenizer tables or plotting libraries that make a run slow to start. Checked by recording every module a
 * fresh `node` process resolves (an ESM resolve hook, plus the CommonJS cache at exit), never by timing.
 * Runs dist/, as `maker` does: `npm test` builds it first.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const scratch = mkdtempSync(join(tmpdir(), 'maker-startup-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A preload that appends every resolved module URL, then the CommonJS cache at exit, to MAKER_MODULES_FILE. */
const RECORDER = `
import { register, createRequire } from 'node:module';
import { appendFileSync } from 'node:fs';
const file = process.env.MAKER_MODULES_FILE;
const hook = "import { appendFileSync } from 'node:fs';" +
  "export async function resolve(specifier, context, next) {" +
  "  const result = await next(specifier, context);" +
  "  appendFileSync(" + JSON.stringify(file) + ", result.url + '\\\\n');" +
  "  return result;" +
  "}";
register('data:text/javascript,' + encodeURIComponent(hook));
process.on('exit', () => appendFileSync(file, Object.keys(createRequire(process.cwd() + '/').cache).map((path) => 'cjs:' + path + '\\n').join('')));
`;

let runs = 0;
/** Runs node with the recorder and returns the package-relative modules it loaded, in order. */
function loadedModules(args: readonly string[]): string[] {
  const file = join(scratch, `modules-${runs++}.txt`);
  execFileSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(RECORDER)}`, ...args], {
    cwd: root,
    env: { ...process.env, MAKER_MODULES_FILE: file },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const rootUrl = pathToFileURL(root).href;
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('node:') && !line.startsWith('data:'))
    .map((line) => (line.startsWith('cjs:') ? pathToFileURL(line.slice(4)).href : line))
    .map((url) => url.replace(`${rootUrl}/`, '').replace(/^.*\/node_modules\//, 'node_modules/'));
}

describe('start-up', () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does) before this test');
  });

  it('maker --help imports only commander, the CLI entry, its command table and the error classes', () => {
    const loaded = new Set(loadedModules(['bin/maker.js', '--help']));
    const allowed = [/^bin\/maker\.js$/, /^dist\/cli\/(main|commands|system-error)\.js$/, /^dist\/core\/errors\.js$/, /^dist\/core\/package-root\.js$/, /^node_modules\/commander\//];
    expect([...loaded].filter((module) => !allowed.some((pattern) => pattern.test(module)))).toEqual([]);
    expect(loaded).toContain('dist/cli/main.js');
  });

  it('loads the tokenizer tables at the first count, not when the token counter is imported', () => {
    const script = join(scratch, 'count.mjs');
    const tokens = pathToFileURL(join(root, 'dist', 'models', 'tokens.js')).href;
    writeFileSync(
      script,
      [
        "import { appendFileSync } from 'node:fs';",
        "import { createRequire } from 'node:module';",
        `const { countTokens } = await import(${JSON.stringify(tokens)});`,
        'const file = process.env.MAKER_MODULES_FILE;',
        "appendFileSync(file, Object.keys(createRequire(import.meta.url).cache).map((path) => 'cjs:' + path + '\\n').join('') + 'counting\\n');",
        "if (countTokens('hello world') !== 2) throw new Error('miscounted');",
      ].join('\n'),
    );
    const loaded = loadedModules([script]);
    const counting = loaded.indexOf('counting');
    expect(counting).toBeGreaterThan(0);
    expect(loaded.slice(0, counting).filter((module) => module.includes('gpt-tokenizer'))).toEqual([]);
    expect(loaded.slice(counting).some((module) => module.startsWith('node_modules/gpt-tokenizer/'))).toBe(true);
  });
});
