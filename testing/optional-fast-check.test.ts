import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const here = import.meta.dirname;
const scratch = mkdtempSync(join(tmpdir(), 'maker-no-fc-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('fast-check is an optional peer of the test kit', () => {
  it('is imported for its values by arbitrary-states.ts alone', () => {
    const modules = readdirSync(here).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'));
    const importers = modules.filter((name) => /^import (?!type\b)[^;]*from 'fast-check'/m.test(readFileSync(join(here, name), 'utf8')));
    expect(importers).toEqual(['arbitrary-states.ts']);
  });

  it('measures a list of states where fast-check cannot be found, and says what to install for an arbitrary', () => {
    const hook = join(scratch, 'no-fast-check.mjs');
    writeFileSync(
      hook,
      `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent("export async function resolve(specifier, context, next) { if (specifier === 'fast-check') throw new Error('Cannot find package fast-check'); return next(specifier, context); }"));
`,
    );
    const script = join(scratch, 'measure.mts');
    writeFileSync(
      script,
      `import { measureStep, faultyModel } from ${JSON.stringify(join(here, 'index.ts'))};
const task = { prompt: (n) => [{ role: 'user', content: 'n = ' + n }], parse: (text) => ({ ok: true, key: text, value: text }), oracle: (n) => String(n) };
const model = faultyModel({ correct: (request) => request.messages[0].content.slice(4) });
const result = await measureStep({ task, model, states: [1, 2, 3] });
const fake = { generate() {}, shrink() {}, canShrinkWithoutContext() {} };
const error = await measureStep({ task, model, states: fake }).catch((caught) => caught);
console.log(JSON.stringify({ p: result.p, error: error.message }));
`,
    );
    const output = execFileSync('node', ['--import', 'tsx', '--import', hook, script], { cwd: join(here, '..'), encoding: 'utf8', timeout: 60_000 });
    const { p, error } = JSON.parse(output) as { p: number; error: string };
    expect(p).toBe(1);
    expect(error).toContain('Expected fast-check to be installed to draw states from an arbitrary');
    expect(error).toContain('npm install --save-dev fast-check');
  });
});
