/**
 * Where a result came from: the command that reproduces it, the versions of everything that produced it, the
 * machine and its load, and the date. Every results/ file carries one of these.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { arch, cpus, loadavg, platform, release, totalmem } from 'node:os';
import { createRequire } from 'node:module';
import { packageRoot, packageVersion } from '../../core/package-root.ts';
import type { BenchSettings, ScenarioName } from './scenario.ts';

/** Versions of the code and tools that produced a result. */
export interface Versions {
  readonly makerTs: string;
  readonly node: string;
  readonly v8: string;
  /** The commit checked out, when run from a git checkout. */
  readonly gitCommit: string | undefined;
  /** Whether tracked files differed from that commit. */
  readonly gitDirty: boolean | undefined;
  readonly vega: string;
  readonly vegaLite: string;
}

/** The machine a result was measured on. */
export interface Machine {
  readonly platform: string;
  readonly arch: string;
  readonly release: string;
  readonly cpuModel: string;
  readonly cpus: number;
  readonly memoryGiB: number;
}

const require = createRequire(import.meta.url);

/** A dependency's version from its package.json (read, not imported: the plotting libraries load slowly). */
function dependencyVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Git's answer about this package's own checkout; undefined for an installed copy (whose parent may be some other repository). */
function git(args: readonly string[]): string | undefined {
  if (!existsSync(join(packageRoot(), '.git'))) return undefined;
  try {
    return execFileSync('git', args, { cwd: packageRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** Versions of this package, Node, git and the plotting libraries. */
export function versions(): Versions {
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  return {
    makerTs: packageVersion(),
    node: process.version,
    v8: process.versions.v8,
    gitCommit: git(['rev-parse', 'HEAD']),
    gitDirty: status === undefined ? undefined : status !== '',
    vega: dependencyVersion('vega'),
    vegaLite: dependencyVersion('vega-lite'),
  };
}

/** This machine. */
export function machine(): Machine {
  const list = cpus();
  return {
    platform: platform(),
    arch: arch(),
    release: release(),
    cpuModel: list[0]?.model.trim() ?? 'unknown',
    cpus: list.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  };
}

/** The 1, 5 and 15 minute load averages, rounded. */
export function loadAverage(): [number, number, number] {
  const [one, five, fifteen] = loadavg();
  const round = (value: number | undefined) => Math.round((value ?? 0) * 100) / 100;
  return [round(one), round(five), round(fifteen)];
}

/** A one-line description of the machine for markdown. */
export function describeMachine(m: Machine): string {
  return `${m.cpuModel}, ${m.cpus} cores, ${m.memoryGiB} GiB, ${m.platform} ${m.arch}`;
}

/**
 * The command that reproduces a scenario's results with these settings (never with the API key). `--shard` is
 * left out: the shards of a sweep together reproduce the unsharded command.
 */
export function commandFor(name: ScenarioName, settings: BenchSettings): string {
  const parts = ['node bin/maker.js bench', name];
  if (settings.size !== 'full') parts.push(settings.size === 'quick' ? '--quick' : `--size ${settings.size}`);
  parts.push(`--seed ${settings.seed}`);
  if (settings.model !== undefined) parts.push(`--model ${settings.model}`);
  if (settings.baseURL !== undefined) parts.push(`--base-url ${settings.baseURL}`);
  if (settings.errorRate !== undefined) parts.push(`--error-rate ${settings.errorRate}`);
  if (settings.maxOutputTokens !== undefined) parts.push(`--max-output-tokens ${settings.maxOutputTokens}`);
  return parts.join(' ');
}

/** Provenance of one run of a scenario (or one shard of it). */
export interface Provenance {
  readonly command: string;
  readonly seed: number;
  readonly size: string;
  readonly date: string;
  readonly durationMs: number;
  readonly versions: Versions;
  readonly machine: Machine;
  /** Load averages when the run started and when it ended: timings taken under load are noisy. */
  readonly loadAverage: { readonly start: [number, number, number]; readonly end: [number, number, number] };
}
