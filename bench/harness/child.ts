/**
 * Whole-run measurements in a fresh process: runs `node bin/maker.js ARGS` as a child with a preload that records
 * its peak resident set size and CPU time at exit, and times it from spawn to exit. A fresh process per run keeps one run's
 * heap, JIT state and caches out of the next one's numbers.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../core/package-root.ts';

/** What one child run measured. */
export interface ChildRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Spawn to exit, in milliseconds (includes Node start-up and module loading). */
  readonly processMs: number;
  /** Peak resident set size, in MiB; undefined if the child died before writing it. */
  readonly peakRssMiB: number | undefined;
  /** CPU time of the whole process (user + system, start-up included), in milliseconds; undefined likewise. */
  readonly cpuMs: number | undefined;
}

/**
 * Preloaded into the child (`node --import`): at exit, writes the process's peak resident set size
 * (`resourceUsage().maxRSS`, in kibibytes) and its CPU time (user and system, every thread) to the file named by
 * MAKER_PEAK_RSS_FILE. Inline as a data: URL, so
 * the compiled package needs no loose JavaScript file beside its dist/ modules.
 */
const PEAK_RSS_PROBE = [
  "import { writeFileSync } from 'node:fs';",
  'const file = process.env.MAKER_PEAK_RSS_FILE;',
  "if (file) process.on('exit', () => { const u = process.resourceUsage(); writeFileSync(file, JSON.stringify({ maxRssKiB: u.maxRSS, userCpuUs: u.userCPUTime, systemCpuUs: u.systemCPUTime })); });",
].join('\n');
const probe = `data:text/javascript,${encodeURIComponent(PEAK_RSS_PROBE)}`;

/** Runs `maker ...args` in a child process and measures it. */
export function runMakerChild(args: readonly string[], signal?: AbortSignal): Promise<ChildRun> {
  const dir = mkdtempSync(join(tmpdir(), 'maker-bench-'));
  const rssFile = join(dir, 'rss.json');
  const started = performance.now();
  return new Promise<ChildRun>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', probe, join(packageRoot(), 'bin', 'maker.js'), ...args], {
      env: { ...process.env, MAKER_PEAK_RSS_FILE: rssFile },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(signal === undefined ? {} : { signal }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => {
      rmSync(dir, { recursive: true, force: true });
      reject(error);
    });
    child.on('close', (code) => {
      const processMs = performance.now() - started;
      let peakRssMiB: number | undefined;
      let cpuMs: number | undefined;
      try {
        const usage = JSON.parse(readFileSync(rssFile, 'utf8')) as { maxRssKiB: number; userCpuUs: number; systemCpuUs: number };
        peakRssMiB = usage.maxRssKiB / 1024;
        cpuMs = (usage.userCpuUs + usage.systemCpuUs) / 1000;
      } catch {
        peakRssMiB = undefined;
      }
      rmSync(dir, { recursive: true, force: true });
      resolve({ code, stdout, stderr, processMs, peakRssMiB, cpuMs });
    });
  });
}
