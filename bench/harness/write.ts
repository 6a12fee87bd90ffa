/**
 * The result writer: results/<scenario>.json (raw case data, summary and provenance), results/<scenario>.md
 * (tables, findings, how it was produced) and results/<scenario>.svg (the plot), plus results/README.md, an index
 * of every scenario's results found in the directory.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { describeMachine, type Provenance } from './provenance.ts';
import { SCENARIO_NAMES, type AnyScenario, type BenchSettings, type CaseOutcome, type ScenarioReport } from './scenario.ts';

/** The JSON document of a scenario's results. */
export interface ResultDocument {
  readonly format: 'maker-bench-result/1';
  readonly scenario: string;
  readonly title: string;
  readonly description: string;
  readonly provenance: Provenance;
  /** When the sweep was run in shards: each shard's provenance and command. */
  readonly shards?: readonly (Provenance & { readonly shard: string })[];
  readonly settings: Omit<BenchSettings, 'apiKey'>;
  readonly params: unknown;
  readonly summary: unknown;
  readonly cases: readonly CaseOutcome<unknown, unknown>[];
}

/** Paths written for one scenario. */
export interface ScenarioFiles {
  readonly json: string;
  readonly markdown: string;
  readonly svg: string;
  readonly index: string;
}

/** Settings as recorded: everything but the API key. */
export function recordedSettings(settings: BenchSettings): Omit<BenchSettings, 'apiKey'> {
  const { apiKey: _apiKey, ...rest } = settings;
  return rest;
}

function provenanceLines(provenance: Provenance, shards: ResultDocument['shards']): string[] {
  const load = provenance.loadAverage;
  const lines = [
    `- command: \`${provenance.command}\``,
    `- seed: ${provenance.seed}; size: ${provenance.size}`,
    `- date: ${provenance.date}; wall time ${(provenance.durationMs / 1000).toFixed(1)} s`,
    `- machine: ${describeMachine(provenance.machine)}; load average ${load.start.join(', ')} at the start, ${load.end.join(', ')} at the end`,
    `- versions: maker-ts ${provenance.versions.makerTs}${provenance.versions.gitCommit === undefined ? '' : ` (commit ${provenance.versions.gitCommit.slice(0, 10)}${provenance.versions.gitDirty === true ? ', with uncommitted changes' : ''})`}, Node ${provenance.versions.node}, vega ${provenance.versions.vega}, vega-lite ${provenance.versions.vegaLite}`,
  ];
  if (shards !== undefined && shards.length > 0) {
    lines.push(`- merged from ${shards.length} shards: ${shards.map((shard) => `${shard.shard} (${describeMachine(shard.machine)}, ${shard.date})`).join('; ')}`);
  }
  return lines;
}

/** The markdown file: title, what it measures, the plot, the scenario's tables, and how it was produced. */
export function renderMarkdown(scenario: AnyScenario, document: ResultDocument, report: ScenarioReport): string {
  return [
    `# ${scenario.title}`,
    '',
    scenario.description,
    '',
    `![${scenario.title}](${scenario.name}.svg)`,
    '',
    report.markdown.trim(),
    '',
    '## How this was produced',
    '',
    ...provenanceLines(document.provenance, document.shards),
    `- raw data: [${scenario.name}.json](${scenario.name}.json) (every case's result, the parameters and this provenance)`,
    '',
    `Reproduce with \`${document.provenance.command}\` (add \`--shard i/n\` to split the sweep and \`maker bench merge\` to join it).`,
    '',
  ].join('\n');
}

/** Writes the three files of a scenario and refreshes the index. */
export async function writeScenarioResults(
  outDir: string,
  scenario: AnyScenario,
  document: ResultDocument,
  report: ScenarioReport,
): Promise<ScenarioFiles> {
  mkdirSync(outDir, { recursive: true });
  const files = {
    json: join(outDir, `${scenario.name}.json`),
    markdown: join(outDir, `${scenario.name}.md`),
    svg: join(outDir, `${scenario.name}.svg`),
    index: join(outDir, 'README.md'),
  };
  // The plotting libraries load slowly: only when a figure is drawn, not with every `maker` command.
  const { renderSvg } = await import('./plot.ts');
  const svg = await renderSvg(report.plot);
  writeFileSync(files.json, `${JSON.stringify(document, null, 1)}\n`);
  writeFileSync(files.markdown, renderMarkdown(scenario, document, report));
  writeFileSync(files.svg, `${svg}\n`);
  writeIndex(outDir, (name) => (name === scenario.name ? scenario : undefined));
  return files;
}

/** What the index shows of one scenario, read back from its JSON. */
interface IndexEntry {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly command: string;
  readonly date: string;
  readonly headline: string | undefined;
}

/** Markdown results in the folder (and one level below) that no scenario wrote, with their first heading. */
function otherResults(outDir: string): { path: string; title: string }[] {
  const scenarioFiles = new Set(SCENARIO_NAMES.map((name) => `${name}.md`));
  const found: { path: string; title: string }[] = [];
  const visit = (relative: string, depth: number) => {
    let entries: Dirent[];
    try {
      entries = readdirSync(join(outDir, relative), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory() && depth === 0 && !entry.name.startsWith('.') && entry.name !== 'quick' && entry.name !== 'test') visit(path, 1);
      if (!entry.isFile() || !entry.name.endsWith('.md') || entry.name === 'README.md' || (depth === 0 && scenarioFiles.has(entry.name))) continue;
      const heading = /^#\s+(.+)$/m.exec(readFileSync(join(outDir, path), 'utf8'));
      found.push({ path, title: heading?.[1]?.trim() ?? path });
    }
  };
  visit('', 0);
  return found;
}

/** Rewrites `<outDir>/README.md` from the result files present there. */
export function writeIndex(outDir: string, lookup: (name: string) => AnyScenario | undefined = () => undefined): string {
  const entries: IndexEntry[] = [];
  for (const name of SCENARIO_NAMES) {
    const path = join(outDir, `${name}.json`);
    if (!existsSync(path)) continue;
    try {
      const document = JSON.parse(readFileSync(path, 'utf8')) as ResultDocument;
      const summary = document.summary as { headline?: unknown } | undefined;
      entries.push({
        name,
        title: lookup(name)?.title ?? document.title,
        description: document.description,
        command: document.provenance.command,
        date: document.provenance.date,
        headline: typeof summary?.headline === 'string' ? summary.headline : undefined,
      });
    } catch {
      // A file being written by another process: the next write refreshes the index.
    }
  }
  const lines = [
    '# Benchmark results',
    '',
    'Each scenario writes three files: `<scenario>.json` (every case\'s raw result, the parameters, and how it was',
    'produced: command, seed, versions, machine and load, date), `<scenario>.md` (tables and findings) and',
    '`<scenario>.svg` (the plot, drawn with vega-lite). `npm run bench` reruns the whole suite into this folder;',
    '`node bin/maker.js bench SCENARIO` reruns one scenario (see each file for its exact command).',
    '',
  ];
  for (const entry of entries) {
    lines.push(`## [${entry.title}](${entry.name}.md)`, '', entry.description, '');
    if (entry.headline !== undefined) lines.push(`**Result:** ${entry.headline}`, '');
    lines.push(`[![${entry.title}](${entry.name}.svg)](${entry.name}.md)`, '', `\`${entry.command}\` — ${entry.date}`, '');
  }
  const others = otherResults(outDir);
  if (others.length > 0) {
    lines.push('## Other results in this folder', '', 'Written by their own benchmarks (each file says how):', '');
    for (const other of others) lines.push(`- [${other.title}](${other.path})`);
    lines.push('');
  }
  const path = join(outDir, 'README.md');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path, `${lines.join('\n').trim()}\n`);
  return path;
}
