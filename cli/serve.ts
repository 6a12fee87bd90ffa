/**
 * `maker serve`: an OpenAI-compatible chat-completions server backed by the simulated model for a task, with
 * injectable faults. It answers whatever model name a request carries. The tests use it, and users point their
 * own pipelines at it to see how they cope with 429s, 5xx, timeouts, dropped connections and bad bodies:
 *
 *   maker serve --task hanoi --model sim:gpt-4.1-mini --port 8000 --latency-ms 50 --fault-rate 0.1
 *   maker run hanoi --disks 10 --model openai:gpt-4.1-mini --base-url http://127.0.0.1:8000/v1
 *
 * It runs until SIGINT or SIGTERM, then prints what it served and injected. `GET /maker/stats` reports the same
 * while it runs.
 */
import type { Command } from 'commander';
import { startChatServer, type RunningChatServer } from '../testing/chat-server.ts';
import { InputError } from '../core/errors.ts';
import { createFaultInjector, INJECTABLE_FAULTS, parseFaultKinds, type FaultInjector } from '../testing/fault-injection.ts';
import { createSimModel } from '../models/sim-model.ts';
import { parseModelSpec } from '../models/model-spec.ts';
import { loadTokenizer } from '../models/tokens.ts';
import { findTask, TASKS } from '../tasks/registry.ts';
import { integerFlag, numberFlag } from './flags.ts';
import type { CommandContext } from './context.ts';


/** A running `maker serve`. */
export interface Serving {
  readonly server: RunningChatServer;
  readonly injector: FaultInjector;
}

/**
 * How long the server runs, and who hears that it listens; replaceable in tests. By default it runs until
 * SIGINT or SIGTERM.
 */
export const serveLifetime: { until: () => Promise<void>; listening: (serving: Serving) => void } = {
  until: () =>
    new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    }),
  listening: () => undefined,
};

/** Registers `maker serve`. */
export function registerServe(program: Command, context: CommandContext): void {
  program
    .command('serve')
    .description('Serve OpenAI-compatible chat completions from the simulated model, with injectable faults')
    .option('--task <name>', `task whose prompts the model answers: ${Object.keys(TASKS).join(', ')}, or a task module's path`, 'hanoi')
    .option('--model <spec>', 'simulated model, sim:PROFILE', 'sim:gpt-4.1-mini')
    .option('--port <port>', 'port to listen on; 0 picks a free one', '8000')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--seed <seed>', 'seed of the simulated model', '0')
    .option('--latency-ms <ms>', 'latency of every completion', '0')
    .option('--fault-rate <rate>', 'probability that a request gets a fault', '0')
    .option('--faults <kinds>', `fault kinds, optionally weighted (rate-limit=2,hang=1): ${INJECTABLE_FAULTS.join(', ')}`)
    .option('--fault-seed <seed>', 'seed of the fault injector', '0')
    .option('--retry-after-ms <ms>', 'wait an injected 429 asks for', '100')
    .option('--hang-ms <ms>', 'how long a hanging connection is held before it is dropped (longer than client timeouts)', '600000')
    .action(async (raw: Record<string, unknown>) => {
      const taskName = String(raw['task']);
      const definition = await findTask(taskName);
      const behaviour = definition.sim;
      if (behaviour === undefined) throw new InputError(`Task \`${taskName}\` has no simulated behaviour, so maker serve cannot answer its prompts`);
      const spec = String(raw['model']);
      const parsed = parseModelSpec(spec);
      if (parsed.kind !== 'sim') throw new InputError(`Expected --model to be sim:PROFILE (the server simulates a model), got \`${spec}\``);
      const model = createSimModel({
        profile: parsed.profile,
        behaviour,
        seed: integerFlag('seed', String(raw['seed']), 0),
        parameters: { latencyMs: numberFlag('latency-ms', String(raw['latencyMs']), 0, 3_600_000) },
      });
      const rate = numberFlag('fault-rate', String(raw['faultRate']), 0, 1);
      const injector = createFaultInjector({
        rate,
        ...(raw['faults'] === undefined ? {} : { kinds: parseFaultKinds(String(raw['faults'])) }),
        seed: integerFlag('fault-seed', String(raw['faultSeed']), 0),
        retryAfterMs: integerFlag('retry-after-ms', String(raw['retryAfterMs']), 0),
        hangMs: integerFlag('hang-ms', String(raw['hangMs']), 0),
      });
      const port = integerFlag('port', String(raw['port']), 0, 65_535);
      const host = String(raw['host']);
      let server: RunningChatServer;
      // Every answer reports its prompt's tokens: the tables load before the first request, not during it.
      loadTokenizer();
      try {
        server = await startChatServer({ model, port, host, intercept: injector.intercept, stats: () => ({ faults: injector.stats }) });
      } catch (error) {
        throw new InputError(`Cannot listen on ${host}:${port}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
      }
      const faults = rate === 0 ? 'no faults' : `faults on ${(rate * 100).toFixed(1)}% of requests`;
      context.stdout.write(`maker serve: listening on ${server.url} (${spec}, task ${taskName}, ${faults}); stats at GET /maker/stats\n`);
      try {
        serveLifetime.listening({ server, injector });
        await serveLifetime.until();
      } finally {
        await server.close();
      }
      const injected = Object.entries(injector.stats.injected)
        .filter(([, count]) => count > 0)
        .map(([kind, count]) => `${kind} ${count}`)
        .join(', ');
      context.stdout.write(`maker serve: served ${server.stats.requests} requests; injected ${injector.stats.total} faults${injected === '' ? '' : ` (${injected})`}\n`);
    });
}
