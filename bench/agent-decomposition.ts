/**
 * Example 1, measured: the "control runtime" (one framework-owned loop whose extra tool holds the task stack)
 * against the same recursive decomposition as host-language recursion over `agent()`, unvoted and voted, on
 * expression trees of growing size, on the simulated model. Writes results/agent-decomposition.{json,md,svg}.
 *
 *   npx tsx bench/agent-decomposition.ts [--sizes 2,4,8,16,32,64] [--runs 20] [--seed 1] [--profile gpt-4.1-mini]
 */
import { parseArgs } from 'node:util';
import { totalTokens } from '../agent/usage.ts';
import { evaluate, exprFor, expressionTreeSim, runControlRuntime, runHostRecursion } from './agents/expression-tree.ts';
import { cellPlot, cellTable, measureGrid, writeResults, type Cell, type Strategy } from './agents/measure.ts';
import { loadAverage } from './harness/provenance.ts';
import { fixed, percent } from './harness/markdown.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '2,4,8,16,32,64' },
    runs: { type: 'string', default: '20' },
    seed: { type: 'string', default: '1' },
    profile: { type: 'string', default: 'gpt-4.1-mini' },
    out: { type: 'string', default: 'results' },
  },
});
const sizes = values.sizes!.split(',').map(Number);
const runs = Number(values.runs);
const seed = Number(values.seed);
const profile = values.profile!;
const k = 2;

const CONTROL = 'control runtime';
const HOST = 'host recursion';
const VOTED = `host recursion, voted (k = ${k})`;
const strategies: Strategy[] = [
  {
    name: CONTROL,
    run: async (model, size, runSeed) => {
      const expr = exprFor(size, runSeed);
      const { answer, result } = await runControlRuntime(model, expr, runSeed);
      return { correct: answer === evaluate(expr), tokens: totalTokens(result.usage), calls: result.usage.calls };
    },
  },
  {
    name: HOST,
    run: async (model, size, runSeed) => {
      const expr = exprFor(size, runSeed);
      const { answer, usage } = await runHostRecursion(model, expr, runSeed);
      return { correct: answer === evaluate(expr), tokens: totalTokens(usage), calls: usage.calls };
    },
  },
  {
    name: VOTED,
    run: async (model, size, runSeed) => {
      const expr = exprFor(size, runSeed);
      const { answer, usage } = await runHostRecursion(model, expr, runSeed, k);
      return { correct: answer === evaluate(expr), tokens: totalTokens(usage), calls: usage.calls };
    },
  },
];

const started = new Date();
const load = loadAverage();
const cells = await measureGrid({
  strategies,
  sizes,
  runs,
  seed,
  profile,
  behaviour: expressionTreeSim,
  onCell: (cell) => process.stderr.write(`${cell.strategy} size ${cell.size}: ${cell.successes}/${cell.runs}, ${Math.round(cell.tokens)} tokens\n`),
});

const at = (strategy: string, size: number) => cells.find((cell) => cell.strategy === strategy && cell.size === size)!;
const largest = Math.max(...sizes);
const smallest = Math.min(...sizes);
const control = at(CONTROL, largest);
const host = at(HOST, largest);
const voted = at(VOTED, largest);
const findings = {
  largestSize: largest,
  successAtLargest: { [CONTROL]: control.successRate, [HOST]: host.successRate, [VOTED]: voted.successRate },
  tokenRatioControlToHostAtLargest: control.tokens / host.tokens,
  largestPromptAtLargest: { [CONTROL]: control.largestPrompt, [HOST]: host.largestPrompt },
  controlTokenGrowth: control.tokens / at(CONTROL, smallest).tokens,
  hostTokenGrowth: host.tokens / at(HOST, smallest).tokens,
};
const command = `npx tsx bench/agent-decomposition.ts --sizes ${sizes.join(',')} --runs ${runs} --seed ${seed} --profile ${profile}`;
const line = (cell: Cell) => `${percent(cell.successRate, 0)} (${cell.successes} of ${cell.runs})`;
const md = await writeResults({
  out: values.out!,
  name: 'agent-decomposition',
  command,
  seed,
  started,
  load,
  settings: { task: 'evaluate an expression tree of `size` operator nodes (+ and - over digits)', sizes, runs, profile: `sim:${profile}`, k, maxOutputTokens: 4096 },
  cells,
  findings,
  markdown: [
    '# Recursive decomposition: a control runtime against host recursion over agent()',
    '',
    'Task: evaluate a fully parenthesised expression tree with `size` operator nodes (`+`, `-` over digits), one node per decision. ' +
      `${runs} trees per size (seeds ${seed} to ${seed + runs - 1}; the simulated model's seed is the tree's), sim:${profile}.`,
    '',
    `- **${CONTROL}**: one framework-owned \`agent()\` loop whose one extra tool, \`control\`, holds the task stack ` +
      '(`push_subtasks`, `next_task`, `project_for_task`, `checkpoint`); the whole traversal is one conversation.',
    `- **${HOST}**: \`solve(expr)\` is an \`agent()\` call; a node with sub-expressions gets a \`solve\` tool whose \`execute\` is the recursive call ` +
      '(a sub-agent, `parent: context`), a node of digits gets only `submit`. Each conversation holds one node.',
    `- **${VOTED}**: the same, with every turn voted ahead-by-${k} through the sampler; each winning turn's tools run once.`,
    '',
    `At size ${largest}: the control runtime solved ${line(control)}, host recursion ${line(host)}, voted ${line(voted)}. ` +
      `The control runtime spent ${fixed(findings.tokenRatioControlToHostAtLargest, 1)}x the tokens of host recursion ` +
      `(its tokens grew ${fixed(findings.controlTokenGrowth, 0)}x from size ${smallest} to ${largest}, host recursion's ${fixed(findings.hostTokenGrowth, 0)}x), ` +
      `and its largest prompt reached ${Math.round(control.largestPrompt)} tokens against ${Math.round(host.largestPrompt)}.`,
    '',
    'Why: the simulated model errs more as its prompt grows past 1,500 tokens (error odds grow as (tokens / 1500)^2, the simulator\'s ' +
      'context-degradation curve, an assumption calibrated on nothing agent-specific), and the control runtime\'s one conversation grows with every ' +
      'node, so its prompts, its total tokens (quadratically) and its per-turn errors all grow with the task. Host recursion keeps every ' +
      'prompt at one node, so its per-turn error stays at the profile\'s, and voting removes most of what is left. The figures measure ' +
      'that mechanism under that assumption, not a real model.',
    '',
    cellTable(cells, 'size'),
  ],
  plot: cellPlot(cells, 'Recursive decomposition: control runtime vs host recursion over agent()', `${runs} trees per size, sim:${profile}, seed ${seed}`, 'operator nodes in the tree (log scale)', [CONTROL, HOST, VOTED]),
});
process.stdout.write(`${md}\n`);
