/**
 * The published package, as a user gets it: `npm pack` of a copy of this checkout (its `prepare` builds dist/),
 * installed from the tarball into an empty `"type": "module"` project. The package must import by name under
 * plain node (no loader), its types must check in a strict project, its `maker` bin must run, and the tarball
 * must hold no tests, benchmark scripts or results. Dependencies install from the npm cache when it has them
 * (`--prefer-offline`), from the registry otherwise.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname);
const scratch = mkdtempSync(join(tmpdir(), 'maker-package-'));
const stage = join(scratch, 'stage');
const app = join(scratch, 'app');

/** What is not part of the checkout a user clones: installed and built files, local runs and sweep leftovers. */
const NOT_SOURCE = new Set(['node_modules', 'dist', '.git', 'runs', 'tmp', 'results/.checkpoints', 'results/quick', 'results/test']);

/** Plain node, no loader or preload inherited from the test runner. */
const plainEnv = { ...process.env, NODE_OPTIONS: '' };

/** Runs a command and returns its stdout; a failure carries both outputs (tsc reports errors on stdout). */
function run(command: string, args: readonly string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', env: plainEnv, stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}${stderr ?? ''}`, { cause: error });
  }
}

let files: string[] = [];

beforeAll(() => {
  cpSync(root, stage, { recursive: true, filter: (path) => !NOT_SOURCE.has(relative(root, path).split(sep).join('/')) });
  symlinkSync(realpathSync(join(root, 'node_modules')), join(stage, 'node_modules'), 'dir');
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', scratch], stage)) as Array<{ filename: string; files: Array<{ path: string }> }>;
  files = packed[0]!.files.map((file) => file.path);
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), `${JSON.stringify({ name: 'consumer', private: true, type: 'module' })}\n`);
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(scratch, packed[0]!.filename)], app);
}, 300_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the packed package', () => {
  it('holds compiled JavaScript with declarations, the bin and the README; no tests, benchmark scripts or results', () => {
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'bin/maker.js', 'dist/index.js', 'dist/index.d.ts', 'dist/testing/index.js', 'dist/cli/main.js']));
    expect(files.filter((path) => !['package.json', 'README.md', 'bin/maker.js'].includes(path) && !path.startsWith('dist/') && !path.startsWith('data/maker-official/'))).toEqual([]);
    // The MAKER authors' sets the multiplication and sorting benchmarks run, with their licence.
    expect(files).toEqual(expect.arrayContaining(['data/maker-official/LICENSE.txt', 'data/maker-official/bench_long_mul_5_5__200.jsonl']));
    expect(files.filter((path) => /\.test\./.test(path) || path.startsWith('dist/results/') || (path.endsWith('.ts') && !path.endsWith('.d.ts')))).toEqual([]);
    // maker bench is part of the CLI, so its harness and scenarios are compiled; the standalone scripts are not.
    expect(files).toContain('dist/bench/harness/index.js');
    const scripts = ['journal', 'latency', 'latency-faults', 'latency-server', 'sim-calibration'].map((name) => `dist/bench/${name}.js`);
    expect(files.filter((path) => scripts.includes(path))).toEqual([]);
  });

  it('imports by package name under plain node and type-checks in a strict project', () => {
    writeFileSync(
      join(app, 'main.ts'),
      [
        "import { createDispatcherFromSpecs, readRunConfig, resumeDurableRun, runPaths, runTask, createSimModel, scanJournal, startDurableRun, taskFingerprint, type RunConfig } from 'maker-ts';",
        "import { createScriptedModel } from 'maker-ts/testing';",
        "import { createHanoiTask, hanoiSim } from 'maker-ts/tasks/hanoi';",
        "import { labelExpression, parseExpression } from 'maker-ts/tasks/convexity';",
        '',
        'const task = createHanoiTask({ disks: 3 });',
        'const plain = await runTask({ task, model: createSimModel({ behaviour: hanoiSim, seed: 1 }), k: 3, seed: 1 });',
        'const config: RunConfig = {',
        "  task: 'hanoi', taskOptions: { disks: 3 }, taskFingerprint: taskFingerprint(task), model: 'sim:gpt-4.1-mini', ensemble: null, k: 3, seed: 1,",
        '  maxOutputTokens: 750, contextBudget: 8192, maxSamplesPerStep: 200, concurrency: 3, baseURL: null, apiKeyEnv: null, endpointsFile: null,',
        '};',
        "const durable = { dir: 'run', task, config, dispatcher: () => createDispatcherFromSpecs({ behaviour: hanoiSim, seed: 1, concurrency: 3 }) };",
        'const stopped = await startDurableRun({ ...durable, run: { maxSteps: 4 } });',
        'const finished = await resumeDurableRun(durable);',
        "const records = scanJournal(runPaths('run').journal).records;",
        'console.log(JSON.stringify({',
        '  solved: plain.solved, steps: plain.totals.steps, stopped: stopped.status.kind, finished: finished.status.kind, records,',
        "  model: readRunConfig('run').model, scripted: typeof createScriptedModel, curvature: labelExpression(parseExpression('square(exp(x))')).curvature,",
        '}));',
      ].join('\n'),
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { target: 'ES2022', lib: ['ES2023'], module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, types: ['node'], typeRoots: [join(root, 'node_modules', '@types')] },
        files: ['main.ts'],
      }),
    );
    // Type-checks against the package's declarations (skipLibCheck off), and emits main.js for plain node.
    run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], app);
    expect(JSON.parse(run(process.execPath, ['main.js'], app))).toEqual({ solved: true, steps: 7, stopped: 'stopped', finished: 'finished', records: 7, model: 'sim:gpt-4.1-mini', scripted: 'function', curvature: 'CONVEX' });
  });

  it('installs a maker bin that runs', () => {
    const maker = join(app, 'node_modules', '.bin', 'maker');
    expect(run(maker, ['--help'], app)).toMatch(/^Usage: maker \[options\] \[command\]/);
    expect(JSON.parse(run(maker, ['run', 'hanoi', '--disks', '3', '--seed', '1', '--json'], app))).toMatchObject({ task: 'hanoi', solved: true, steps: 7, errors: 0 });
  });

  it('splits a benchmark sweep over processes from the installed package (the children run its bin, not one inside dist/)', () => {
    const maker = join(app, 'node_modules', '.bin', 'maker');
    run(maker, ['bench', 'scaling', '--size', 'test', '--seed', '1', '--jobs', '2', '--no-progress', '--out', 'bench-out'], app);
    expect(JSON.parse(readFileSync(join(app, 'bench-out', 'scaling.json'), 'utf8'))).toMatchObject({ scenario: 'scaling' });
  }, 120_000);

  it('runs a benchmark on the MAKER authors\' sets from the installed package (read beside dist/, not inside it)', () => {
    const maker = join(app, 'node_modules', '.bin', 'maker');
    run(maker, ['bench', 'multiplication', '--size', 'quick', '--seed', '1', '--no-progress', '--out', 'bench-out'], app);
    const document = JSON.parse(readFileSync(join(app, 'bench-out', 'multiplication.json'), 'utf8')) as { cases: Array<{ result: { authors?: boolean } }> };
    expect(document.cases.some((c) => c.result.authors === true)).toBe(true);
  }, 300_000);
});
