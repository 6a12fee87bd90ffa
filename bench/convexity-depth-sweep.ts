/**
 * The convexity depth sweep: focused, flat and accumulating at depths 2, 5, 10, 25, 50 and 100 on the same
 * generated batches, through the same voting executor and model. Writes results/convexity/depth-sweep.json,
 * depth-sweep.md and three SVG plots (macro-F1, tokens and cost per expression, by depth).
 *
 *   npx tsx bench/convexity-depth-sweep.ts [--count 100] [--seed 1] [--k 3] [--model sim:gpt-4.1-mini]
 *                                          [--depths 2,5,10,25,50,100] [--strategies focused,flat,accumulating]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { createModel } from '../core/models.ts';
import { convexitySim, DEFAULT_LABEL_MIX, evaluateConvexity, FLAT_READER, STRATEGIES, type Strategy } from '../tasks/convexity/index.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100' },
    seed: { type: 'string', default: '1' },
    k: { type: 'string', default: '3' },
    model: { type: 'string', default: 'sim:gpt-4.1-mini' },
    depths: { type: 'string', default: '2,5,10,25,50,100' },
    strategies: { type: 'string', default: STRATEGIES.join(',') },
    out: { type: 'string', default: 'results/convexity' },
  },
});
const count = Number(values.count);
const seed = Number(values.seed);
const k = Number(values.k);
const depths = values.depths.split(',').map(Number);
const strategies = values.strategies.split(',') as Strategy[];
const command = `npx tsx bench/convexity-depth-sweep.ts --count ${count} --seed ${seed} --k ${k} --model ${values.model} --depths ${values.depths} --strategies ${values.strategies}`;
const started = new Date();

interface Row {
  readonly strategy: Strategy;
  readonly depth: number;
  readonly f1: number;
  readonly curvatureAccuracy: number;
  readonly signAccuracy: number;
  readonly unanswered: number;
  readonly samples: number;
  readonly steps: number;
  readonly stepErrors: number;
  readonly redFlags: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly costUsd: number;
  readonly wallMs: number;
  readonly confusion: unknown;
}

const rows: Row[] = [];
for (const strategy of strategies) {
  for (const depth of depths) {
    // A fresh model per cell, so each cell is reproducible on its own from (seed, depth, strategy).
    const model = createModel(values.model, { behaviour: convexitySim, seed });
    const r = await evaluateConvexity({ strategy, model, depth, count, seed, k });
    rows.push({
      strategy,
      depth,
      f1: r.f1,
      curvatureAccuracy: r.curvatureAccuracy,
      signAccuracy: r.signAccuracy,
      unanswered: r.unanswered,
      samples: r.samples,
      steps: r.steps,
      stepErrors: r.stepErrors,
      redFlags: r.redFlags,
      promptTokens: r.promptTokens,
      completionTokens: r.completionTokens,
      costUsd: r.costUsd,
      wallMs: Math.round(r.wallMs),
      confusion: r.confusion,
    });
    process.stderr.write(`${strategy} depth ${depth}: F1 ${r.f1.toFixed(3)}, sign ${r.signAccuracy.toFixed(3)}, ${r.samples} calls, $${r.costUsd.toFixed(2)}\n`);
  }
}

const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
const result = {
  command,
  date: started.toISOString(),
  machine,
  model: values.model,
  k,
  seed,
  countPerDepth: count,
  labelMix: DEFAULT_LABEL_MIX,
  flatReader: FLAT_READER,
  note: "Labels are DCP's verdict with CVXPY's semantics, not mathematical truth: DCP is sufficient, not necessary. Macro-F1 is over curvature labels present in truth or predictions.",
  rows,
};
mkdirSync(values.out, { recursive: true });
writeFileSync(`${values.out}/depth-sweep.json`, `${JSON.stringify(result, null, 2)}\n`);

async function plot(file: string, title: string, field: string, perExpression: boolean, logY: boolean, format: string): Promise<void> {
  const data = rows.map((row) => ({
    strategy: row.strategy,
    depth: row.depth,
    value: perExpression ? Number(row[field as keyof Row]) / count : Number(row[field as keyof Row]),
  }));
  const spec: vl.TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: { text: title, subtitle: `${values.model}, k = ${k}, ${count} expressions per depth, seed ${seed}` },
    width: 420,
    height: 260,
    data: { values: data },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'depth', type: 'quantitative', title: 'composition depth', scale: { type: 'log' }, axis: { values: depths } },
      y: { field: 'value', type: 'quantitative', title, scale: logY ? { type: 'log' } : { domain: [0, 1] }, axis: { format } },
      color: { field: 'strategy', type: 'nominal', sort: [...STRATEGIES] },
    },
  };
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  writeFileSync(`${values.out}/${file}`, await view.toSVG());
}
await plot('f1-by-depth.svg', 'macro-F1 over curvature labels', 'f1', false, false, '.1f');
await plot('tokens-by-depth.svg', 'prompt tokens per expression', 'promptTokens', true, true, '~s');
await plot('cost-by-depth.svg', 'cost per expression (USD)', 'costUsd', true, true, '$.3~f');

const table = rows
  .map(
    (r) =>
      `| ${r.strategy} | ${r.depth} | ${r.f1.toFixed(3)} | ${r.curvatureAccuracy.toFixed(3)} | ${r.signAccuracy.toFixed(3)} | ${(r.samples / count).toFixed(1)} | ${(r.samples / Math.max(r.steps, 1)).toFixed(2)} | ${r.stepErrors} | ${Math.round(r.promptTokens / count).toLocaleString('en-US')} | ${Math.round(r.completionTokens / count).toLocaleString('en-US')} | ${(r.costUsd / count).toFixed(4)} |`,
  )
  .join('\n');
writeFileSync(
  `${values.out}/depth-sweep.md`,
  `# Convexity: decomposed versus flat, by composition depth

Command: \`${command}\` — ${result.date}, Node ${process.version}, ${machine.cpus} cores (${String(machine.cpuModel)}), ${machine.memoryGiB} GiB.

Each depth is a batch of ${count} generated expressions of exactly that composition depth (label mix ${Object.entries(DEFAULT_LABEL_MIX)
    .map(([label, share]) => `${label} ${share}`)
    .join(', ')}), the same batch for every strategy. Labels are DCP's verdict with CVXPY's semantics, not
mathematical truth (DCP is sufficient, not necessary). Macro-F1 is over the curvature labels present in truth or predictions;
sign accuracy is exact-match on the sign.

- **focused**: one voted call per operator node (its operator, its rule and its direct children's voted labels), bottom-up; the root's label is the answer.
- **flat**: one voted call with the whole expression.
- **accumulating**: the focused questions, but every prompt carries all earlier questions and voted answers.

The simulated one-shot reader loses track of a flat expression with odds (expression tokens / ${FLAT_READER.referenceTokens})^${FLAT_READER.exponent},
decided per prompt (voting cannot repair it), and then answers "neither" (UNKNOWN curvature): calibrated to ConvexBench's
reported one-shot F1 of about 1.0 at depth 2 and about 0.2 at depth 100. Focused and accumulating prompts see only the
simulated model's own error, heterogeneous per prompt and growing with prompt length past 1,500 tokens.

![macro-F1 by depth](f1-by-depth.svg) ![prompt tokens per expression](tokens-by-depth.svg) ![cost per expression](cost-by-depth.svg)

| strategy | depth | macro-F1 | curvature acc. | sign acc. | calls / expr. | calls / step | step errors | prompt tokens / expr. | completion tokens / expr. | cost / expr. ($) |
|---|---|---|---|---|---|---|---|---|---|---|
${table}
`,
);
process.stderr.write(`wrote ${values.out}/depth-sweep.json, depth-sweep.md and 3 plots\n`);
