/**
 * `maker worker --store URL`: a worker of the sweeps kept in a PostgreSQL store (`maker bench SCENARIO --store
 * URL` enqueues them). Any number of workers, on any machines, drain the same queue, each running a few cases at
 * once; a worker that dies (SIGKILL, a lost machine) loses no finished case, and the others take over the cases
 * it had in flight. Runs until stopped (Ctrl-C or SIGTERM: its cases in flight are left to the others), or with
 * `--exit-when-idle` until no case is queued or running anywhere.
 *
 * Exit codes: 0 stopped when idle; 130 or 143 stopped by SIGINT or SIGTERM; 2 bad input.
 */
import { Option, type Command } from 'commander';
import { checkStoreUrl } from '../durable/pg-store.ts';
import { integerFlag } from './flags.ts';
import type { CommandContext } from './context.ts';

export function registerWorker(program: Command, context: CommandContext): void {
  program
    .command('worker')
    .description('run the cases of sweeps kept in PostgreSQL (maker bench SCENARIO --store URL), alongside any number of other workers')
    .requiredOption('--store <url>', 'the store: postgres://USER@HOST:PORT/DB')
    .option('--concurrency <n>', 'cases at once in each worker (the queue keeps one limit: the latest worker started sets it for all)', '1')
    .addOption(new Option('--api-key <key>', 'API key for sweeps of openai: models (never stored)').env('OPENAI_API_KEY'))
    .option('--exit-when-idle', 'leave once no case is queued or running anywhere (start it after the sweep is enqueued)')
    .addOption(new Option('--reap-every <ms>', 'how often to take over dead workers\' cases, in milliseconds').default('2000').hideHelp())
    .option('--quiet', 'no line per case')
    .action(async (raw: Record<string, unknown>) => {
      const url = checkStoreUrl(String(raw['store']));
      const concurrency = integerFlag('concurrency', String(raw['concurrency']), 1, 1000);
      const reapEveryMs = integerFlag('reap-every', String(raw['reapEvery']), 10, 600_000);
      const controller = new AbortController();
      let received: NodeJS.Signals | undefined;
      const onSignal = (signal: NodeJS.Signals) => {
        if (received !== undefined) process.exit(signal === 'SIGINT' ? 130 : 143);
        received = signal;
        controller.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        // Loaded only here: the harness brings in every scenario, DBOS and pg.
        const { runSweepWorker } = await import('../bench/harness/store-sweep.ts');
        const { findScenario } = await import('../bench/scenarios/index.ts');
        const end = await runSweepWorker({
          url,
          lookup: findScenario,
          concurrency,
          reapEveryMs,
          exitWhenIdle: raw['exitWhenIdle'] === true,
          signal: controller.signal,
          ...(raw['apiKey'] === undefined ? {} : { apiKey: String(raw['apiKey']) }),
          ...(raw['quiet'] === true ? {} : { log: (line: string) => context.stderr.write(`maker worker: ${line}\n`) }),
        });
        const left = end.abandoned === 0 ? '' : `; left ${end.abandoned} case(s) in flight to the other workers`;
        context.stderr.write(`maker worker: ${end.executorId} finished ${end.cases} case(s), took over ${end.reaped}${left}\n`);
        if (received !== undefined) {
          context.exitCode = received === 'SIGINT' ? 130 : 143;
          // Cases left in flight would keep computing for nobody: leave now.
          if (end.abandoned > 0) process.exit(context.exitCode);
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
