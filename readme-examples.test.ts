/**
 * The README's snippets, run: every TypeScript block, and every `maker` command in the shell blocks (with
 * sizes shrunk so the suite stays fast, a free port for `maker serve`, and a temporary run directory). Commands
 * that need the network or take minutes by design (`npm ci`, `npm test`, `npm run bench`, a real endpoint) are
 * the only ones skipped.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname);
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = [...readme.matchAll(/```(sh|ts)\n([\s\S]*?)```/g)].map((match) => ({ lang: match[1]!, code: match[2]! }));
const scratch = mkdtempSync(join(tmpdir(), 'maker-readme-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const SKIP = [/^npm (ci|test|run bench)/, /OPENAI_API_KEY=/, /https:\/\//];

/** Shrinks a README command to test size and points it at this checkout. */
function shrink(line: string): string {
  return line
    .replace(/\s+#.*$/, '')
    .replace(/^npm ci && /, '')
    .replace(/npx maker/g, 'node bin/maker.js')
    .replace(/--disks (1[0-9]|20)\b/g, '--disks 5')
    .replace(/--samples \d+/g, '--samples 300')
    .replace(/--depth 100 --count 20/g, '--depth 10 --count 3')
    .replace(/runs\/h20/g, join(scratch, 'h20'))
    .trim();
}

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

function sh(command: string): string {
  return execFileSync('bash', ['-c', command], { cwd: root, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], timeout: 120_000 });
}

const commands = blocks
  .filter((block) => block.lang === 'sh')
  .flatMap((block) => block.code.split('\n'))
  .map((line) => line.trim())
  .filter((line) => line !== '' && !SKIP.some((pattern) => pattern.test(line)));

describe('README', () => {
  it('has shell commands and TypeScript snippets to run', () => {
    expect(commands.length).toBeGreaterThan(10);
    expect(blocks.some((block) => block.lang === 'ts')).toBe(true);
  });

  it.each(blocks.filter((block) => block.lang === 'ts').map((block, index) => [index, block.code] as const))('TypeScript snippet %i runs', (index, code) => {
    const file = join(scratch, `snippet-${index}.mts`);
    const source = code.replace(/from 'maker-ts(\/[\w/-]+)?'/g, (_, sub: string | undefined) => {
      const target = sub === undefined ? 'index.ts' : sub === '/testing' ? 'testing/index.ts' : `${sub.slice(1)}/index.ts`;
      return `from '${join(root, target)}'`;
    });
    writeFileSync(file, source);
    expect(() => execFileSync('node', ['--import', 'tsx', file], { cwd: root, encoding: 'utf8', timeout: 60_000 })).not.toThrow();
  });

  it.each(commands.filter((line) => !line.includes('maker serve') && !line.includes('127.0.0.1')).map((line) => [line]))('runs `%s`', (line) => {
    const output = sh(shrink(line));
    expect(output.length).toBeGreaterThan(0);
  });

  it('runs the `maker serve` example and the run pointed at it', async () => {
    const serveLine = commands.find((line) => line.includes('maker serve'))!;
    const runLine = commands.find((line) => line.includes('127.0.0.1'))!;
    const port = await freePort();
    const serve = spawn('bash', ['-c', `exec ${shrink(serveLine).replace(/\s*&$/, '').replace('--port 8000', `--port ${port}`)}`], { cwd: root });
    try {
      await new Promise<void>((ready, fail) => {
        let seen = '';
        const onData = (chunk: Buffer) => {
          seen += chunk.toString();
          if (seen.includes(String(port))) ready();
        };
        serve.stdout.on('data', onData);
        serve.stderr.on('data', onData);
        serve.on('exit', (code) => fail(new Error(`maker serve exited with ${code}: ${seen}`)));
      });
      const output = sh(`${shrink(runLine).replace('127.0.0.1:8000', `127.0.0.1:${port}`)} --json --no-progress`);
      expect(JSON.parse(output)).toMatchObject({ solved: true, errors: 0 });
    } finally {
      serve.kill();
    }
  });
});
