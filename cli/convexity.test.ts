import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { labelInput } from './convexity.ts';
import { main } from './main.ts';
import { runCli } from './testing.ts';

async function run(argv: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk.toString()));
  stderr.on('data', (chunk: Buffer) => err.push(chunk.toString()));
  const code = await main(argv, { stdout, stderr });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

const jsonLines = (text: string): unknown[] => text.trim().split('\n').map((line) => JSON.parse(line) as unknown);

const originalStdin = labelInput.stdin;
afterEach(() => {
  labelInput.stdin = originalStdin;
});

describe('maker convexity label', () => {
  it('labels each line of a file as one JSON object', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'convexity-'));
    const file = join(dir, 'exprs.txt');
    writeFileSync(file, 'square(exp(x))\n-2 * log(x) + exp(y)\n\nmaximum(x, 3)\n');
    const { code, stdout } = await run(['convexity', 'label', file]);
    expect(code).toBe(0);
    expect(jsonLines(stdout)).toEqual([
      { expr: 'square(exp(x))', curvature: 'CONVEX', sign: 'NONNEGATIVE', depth: 2 },
      { expr: '-2 * log(x) + exp(y)', curvature: 'CONVEX', sign: 'UNKNOWN', depth: 1 },
      { expr: 'maximum(x, 3)', curvature: 'CONVEX', sign: 'NONNEGATIVE', depth: 1 },
    ]);
  });

  it('reads stdin when no file is given, reports bad lines with a position and goes on', async () => {
    labelInput.stdin = () => Readable.from(['exp(x)\nfoo(x)\nexp(x', '\nlog(x) + log(y)\n']);
    const { code, stdout } = await run(['convexity', 'label']);
    expect(code).toBe(1);
    const records = jsonLines(stdout) as Array<Record<string, unknown>>;
    expect(records).toHaveLength(4);
    expect(records[0]).toEqual({ expr: 'exp(x)', curvature: 'CONVEX', sign: 'NONNEGATIVE', depth: 1 });
    expect(records[1]).toMatchObject({ expr: 'foo(x)', line: 2, column: 1 });
    expect(records[1]!['error']).toMatch(/Unknown atom `foo` at column 1/);
    expect(records[2]).toMatchObject({ expr: 'exp(x', line: 3, column: 6 });
    expect(records[2]!['error']).toMatch(/Unbalanced parentheses/);
    expect(records[3]).toEqual({ expr: 'log(x) + log(y)', curvature: 'CONCAVE', sign: 'UNKNOWN', depth: 1 });
  });

  it('labels a product of non-constant expressions instead of rejecting it', async () => {
    labelInput.stdin = () => Readable.from(['exp(x) * exp(y)\n']);
    const { code, stdout } = await run(['convexity', 'label']);
    expect(code).toBe(0);
    expect(jsonLines(stdout)).toEqual([{ expr: 'exp(x) * exp(y)', curvature: 'UNKNOWN', sign: 'NONNEGATIVE', depth: 1 }]);
  });

  it.each([
    ['a 10,000-deep composition', `${'exp('.repeat(10_000)}x${')'.repeat(10_000)}`, { curvature: 'CONVEX', sign: 'NONNEGATIVE', depth: 10_000 }],
    ['10,000 nested parentheses', `${'('.repeat(10_000)}x${')'.repeat(10_000)}`, { curvature: 'AFFINE', sign: 'UNKNOWN', depth: 0 }],
    ['10,000 nested negations', `${'-'.repeat(10_000)}x`, { curvature: 'AFFINE', sign: 'UNKNOWN', depth: 0 }],
    ['a 200,000-term sum', Array.from({ length: 200_000 }, () => 'x').join(' + '), { curvature: 'AFFINE', sign: 'UNKNOWN', depth: 0 }],
    ['a 2,000-deep mix of atoms and operators', `${'square(-log(2 * '.repeat(1_000)}x${'))'.repeat(1_000)}`, { curvature: 'UNKNOWN', sign: 'NONNEGATIVE', depth: 2_000 }],
  ])('labels %s between two ordinary lines, with no recursion limit', async (_name, deep, label) => {
    const dir = mkdtempSync(join(tmpdir(), 'convexity-'));
    const file = join(dir, 'deep.txt');
    writeFileSync(file, `exp(x)\n${deep}\nlog(x)\n`);
    const { code, stdout, stderr } = await run(['convexity', 'label', file]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(jsonLines(stdout)).toEqual([
      { expr: 'exp(x)', curvature: 'CONVEX', sign: 'NONNEGATIVE', depth: 1 },
      { expr: deep, ...label },
      { expr: 'log(x)', curvature: 'CONCAVE', sign: 'UNKNOWN', depth: 1 },
    ]);
  });

  it('reports a division by a literal zero as a bad line, and labels the others', async () => {
    labelInput.stdin = () => Readable.from(['exp(x)\n1/0\nx / (0 * 2)\n']);
    const { code, stdout } = await run(['convexity', 'label']);
    expect(code).toBe(1);
    expect(jsonLines(stdout)).toEqual([
      { expr: 'exp(x)', curvature: 'CONVEX', sign: 'NONNEGATIVE', depth: 1 },
      { expr: '1/0', error: 'Division by zero at column 3: the divisor `0` is zero', line: 2, column: 3 },
      { expr: 'x / (0 * 2)', curvature: 'AFFINE', sign: 'UNKNOWN', depth: 0 },
    ]);
  });

  it('exits 2 on a missing file', async () => {
    const { code, stderr } = await run(['convexity', 'label', '/nonexistent/exprs.txt']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/Cannot read `\/nonexistent\/exprs.txt`: ENOENT/);
  });
});

describe('maker convexity generate', () => {
  it('writes count expressions of the exact depth, reproducibly', async () => {
    const first = await run(['convexity', 'generate', '--depth', '7', '--count', '12', '--seed', '4', '--json']);
    const second = await run(['convexity', 'generate', '--depth', '7', '--count', '12', '--seed', '4', '--json']);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(second.stdout);
    const records = jsonLines(first.stdout) as Array<{ depth: number; expr: string }>;
    expect(records).toHaveLength(12);
    expect(records.every((r) => r.depth === 7)).toBe(true);
  });

  it('writes bare expressions without --json, which label back to the same depth', async () => {
    const generated = await run(['convexity', 'generate', '--depth', '3', '--count', '5', '--seed', '9']);
    const lines = generated.stdout.trim().split('\n');
    expect(lines).toHaveLength(5);
    labelInput.stdin = () => Readable.from([generated.stdout]);
    const labelled = jsonLines((await run(['convexity', 'label'])).stdout) as Array<{ depth: number }>;
    expect(labelled.map((r) => r.depth)).toEqual([3, 3, 3, 3, 3]);
  });

  it('honours --mix', async () => {
    const { stdout } = await run(['convexity', 'generate', '--depth', '4', '--count', '6', '--mix', 'CONVEX=1', '--json']);
    expect((jsonLines(stdout) as Array<{ curvature: string }>).every((r) => r.curvature === 'CONVEX')).toBe(true);
  });

  it.each([
    [['--depth', '0', '--count', '3'], /Expected --depth to be an integer from 1 to 1000, got `0`/],
    [['--depth', '2', '--count', 'x'], /Expected --count to be an integer/],
    [['--depth', '2', '--count', '2', '--mix', 'CURVY=1'], /Expected --mix to be LABEL=WEIGHT pairs/],
  ])('exits 2 on bad flags %j', async (flags, message) => {
    const { code, stderr } = await run(['convexity', 'generate', ...flags]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});

describe('maker run convexity', () => {
  it('prints the JSON summary with F1, sign accuracy, calls and tokens', async () => {
    const { code, stdout } = await run(['run', 'convexity', '--depth', '5', '--count', '6', '--strategy', 'focused', '--k', '2', '--seed', '3', '--json', '--no-progress']);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ task: 'convexity', strategy: 'focused', depth: 5, count: 6, k: 2, seed: 3, model: 'sim:gpt-4.1-mini' });
    for (const field of ['f1', 'signAccuracy', 'samples', 'promptTokens', 'completionTokens', 'costUsd']) expect(typeof summary[field]).toBe('number');
  });

  it('prints a text summary that says labels are DCP verdicts', async () => {
    const { code, stdout } = await run(['run', 'convexity', '--depth', '2', '--count', '3', '--strategy', 'flat', '--no-progress']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/strategy     flat on 3 expressions at depth 2/);
    expect(stdout).toMatch(/macro-F1/);
    expect(stdout).toMatch(/DCP is sufficient, not necessary/);
  });

  it('exits 2 on an unknown strategy', async () => {
    const { code, stderr } = await run(['run', 'convexity', '--depth', '2', '--strategy', 'greedy']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/Expected --strategy to be one of focused, flat, accumulating, got `greedy`/);
  });
});

describe('maker run convexity through the shared run path', () => {
  it('honours dispatch flags: --budget-calls 1 stops the run after one call, exit 1', async () => {
    const { code, stdout } = await runCli(['run', 'convexity', '--depth', '3', '--count', '5', '--budget-calls', '1', '--json', '--no-progress']);
    expect(code).toBe(1);
    const summary = JSON.parse(stdout) as { stopReason: string; samples: number; budget: { calls: { spent: number } } };
    expect(summary.stopReason).toBe('budget: calls');
    expect(summary.budget.calls.spent).toBeLessThanOrEqual(1);
  });

  it('labels the expressions of a file, scored against the DCP labeller', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maker-convexity-file-'));
    try {
      const file = join(dir, 'expressions.txt');
      writeFileSync(file, 'square(exp(x))\n\nlog(x) + sqrt(y)\n');
      const { code, stdout } = await runCli(['run', 'convexity', '--file', file, '--k', '2', '--json', '--no-progress']);
      expect(code).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({ task: 'convexity', count: 2, f1: 1, file });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses --file with --depth, and a line that does not parse, naming it', async () => {
    expect((await runCli(['run', 'convexity', '--file', 'x.txt', '--depth', '3'])).stderr).toMatch(/Expected --file or --depth, got both/);
    const dir = mkdtempSync(join(tmpdir(), 'maker-convexity-file-'));
    try {
      writeFileSync(join(dir, 'bad.txt'), 'exp(x)\nexp(x\n');
      const { code, stderr } = await runCli(['run', 'convexity', '--file', join(dir, 'bad.txt')]);
      expect(code).toBe(2);
      expect(stderr).toMatch(/^maker: Expression 2 of .* does not parse/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
