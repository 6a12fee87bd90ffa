/**
 * `maker resume DIR` (or `maker resume --store URL --run-id NAME`): continues a journaled run (`maker run ... --run-dir DIR`) from its last durable step, to
 * the same decisions, final state and totals as a run never interrupted. Flags that decide the run may be given
 * to check it is the run meant (a different value is refused, naming what differs); flags that do not (the
 * endpoint, concurrency, retries, limits, budgets, output) may change between sessions. Budgets cap the whole
 * run: a run stopped by `--budget-usd 10` resumes with `--budget-usd 20` for ten dollars more.
 */
import { Option, type Command } from 'commander';
import type { RunConfig } from '../durable/run-config.ts';
import { readRunConfig } from '../durable/run-dir.ts';
import { addDispatchOptions, resolveDispatchFlags } from './dispatch-options.ts';
import { InputError } from '../core/errors.ts';
import { parseBaseURL } from '../models/openai-model.ts';
import { addStoreOptions, dispatcherFor, runDurableSession, storeTargetOf, taskFor } from './durable.ts';
import { integerFlag } from './flags.ts';
import type { CommandContext } from './context.ts';

/** Numeric identity flags: config field, commander key, flag name, least value. */
const NUMBER_CHECKS = [
  ['k', 'k', 'k', 1],
  ['seed', 'seed', 'seed', 0],
  ['maxOutputTokens', 'maxOutputTokens', 'max-output-tokens', 1],
  ['contextBudget', 'contextBudget', 'context-budget', 1],
  ['maxSamplesPerStep', 'maxSamples', 'max-samples', 1],
] as const;

export function registerResume(program: Command, context: CommandContext): void {
  const resume = program
    .command('resume')
    .description("continue a journaled run from its last durable step (same seed: same result as if it had never stopped)")
    .argument('[dir]', 'the run directory given to `maker run ... --run-dir` (or --store URL --run-id NAME)')
    .option('--json', 'print one JSON object (the fields of `maker run --json`) instead of the summary')
    .option('--no-progress', 'no progress display')
    .option('--concurrency <n>', "model calls in flight at once (default: the run's)")
    .option('--base-url <url>', "base URL for openai: models (default: the run's)")
    .addOption(new Option('--api-key <key>', 'API key for openai: models (never printed or stored)').env('OPENAI_API_KEY'))
    .option('--model <spec>', "check: the run's model")
    .option('--k <k>', "check: the run's voting margin")
    .option('--seed <seed>', "check: the run's seed")
    .option('--max-output-tokens <n>', "check: the run's output cap")
    .option('--context-budget <tokens>', "check: the run's context budget")
    .option('--max-samples <n>', "check: the run's per-step sample cap");
  addStoreOptions(resume);
  addDispatchOptions(resume).action(async (dir: string | undefined, raw: Record<string, unknown>) => {
    const store = storeTargetOf(raw);
    if ((dir === undefined) === (store === undefined)) throw new InputError('Expected a run directory or --store URL --run-id NAME, ' + (dir === undefined ? 'got neither' : 'got both'));
    // A stored run's configuration comes from the store: nothing local is needed to continue it.
    const stored = store === undefined ? readRunConfig(dir!) : await (await import('../durable/stored-run.ts')).readStoredRunConfig(store.url, store.runId);
    const durable = await taskFor(stored);
    // Identity flags replace the stored values only so that the comparison names them when they differ.
    const checks: Record<string, number> = {};
    for (const [field, key, name, min] of NUMBER_CHECKS) if (raw[key] !== undefined) checks[field] = integerFlag(name, String(raw[key]), min);
    const dispatch = resolveDispatchFlags(raw);
    const baseURL = raw['baseUrl'] === undefined ? undefined : String(raw['baseUrl']);
    if (baseURL !== undefined) parseBaseURL(baseURL, '--base-url');
    if (baseURL === undefined && stored.baseURLQuery !== undefined && stored.baseURLQuery.length > 0) {
      throw new InputError(
        `The run's base URL had a query string (${stored.baseURLQuery.join(', ')}), which is not stored as it may hold a key: give --base-url again (${stored.baseURL ?? ''}?...)`,
      );
    }
    const config: RunConfig = {
      ...stored,
      ...(raw['model'] === undefined ? {} : { model: String(raw['model']) }),
      ...(dispatch.ensemble === undefined ? {} : { ensemble: dispatch.ensemble }),
      ...(dispatch.endpointsFile === undefined ? {} : { endpointsFile: dispatch.endpointsFile }),
      ...checks,
      concurrency: raw['concurrency'] === undefined ? stored.concurrency : integerFlag('concurrency', String(raw['concurrency']), 1, 10_000),
      baseURL: baseURL ?? stored.baseURL,
    };
    const apiKey = raw['apiKey'] === undefined ? (stored.apiKeyEnv === null ? undefined : process.env[stored.apiKeyEnv]) : String(raw['apiKey']);
    await runDurableSession(context, {
      mode: 'resume',
      ...(store === undefined ? { dir: dir! } : { store }),
      task: durable.task,
      report: (result) => durable.definition.report?.(durable.task, result, durable.taskOptions),
      dispatcher: dispatcherFor(config, durable.definition, apiKey, dispatch),
      config,
      json: raw['json'] === true,
      progress: raw['progress'] !== false,
      extra: { maxOutputTokens: stored.maxOutputTokens },
    });
  });
}

