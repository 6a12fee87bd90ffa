/**
 * Fixtures of the durable-run tests (run directories and the PostgreSQL store): a sample run configuration, and a
 * dispatcher over a model that fails now and then, the same way in every session. For the package's tests; not
 * exported.
 */
import type { Spend } from '../dispatch/budget.ts';
import { TransientModelError } from '../core/errors.ts';
import type { LanguageModel } from '../core/model.ts';
import { createDispatcher, type Dispatcher } from '../dispatch/dispatcher.ts';
import type { RunConfig } from '../durable/run-config.ts';

/** A run configuration as a run directory or the store records it: 6-disk Hanoi on the simulated gpt-4.1-mini. */
export const SAMPLE_RUN_CONFIG: RunConfig = Object.freeze({
  task: 'hanoi',
  taskOptions: { disks: 6 },
  taskFingerprint: '0badcafe',
  model: 'sim:gpt-4.1-mini',
  ensemble: null,
  k: 3,
  seed: 1,
  maxOutputTokens: 750,
  contextBudget: 8192,
  maxSamplesPerStep: 200,
  concurrency: 3,
  baseURL: null,
  apiKeyEnv: null,
  endpointsFile: null,
});

/**
 * Builds, for a session, a dispatcher whose model (a fresh `model()`) fails every `every`-th sample seed once
 * with a 503, then answers it: the same faults in every session, so records carry retries.
 */
export function flakyDispatcher(model: () => LanguageModel, every: number): (alreadySpent: Spend) => Dispatcher {
  return (alreadySpent) => {
    const inner = model();
    const failed = new Set<number>();
    const endpoint: LanguageModel = {
      ...inner,
      generate(request) {
        const seed = request.seed ?? 0;
        if (seed % every === 0 && !failed.has(seed)) {
          failed.add(seed);
          return Promise.reject(new TransientModelError('sim', 'server-error', 'flaky', { status: 503 }));
        }
        return inner.generate(request);
      },
    };
    return createDispatcher({ model: endpoint, concurrency: 3, retry: { baseDelayMs: 0, jitter: 0 }, alreadySpent });
  };
}
