import { describe, expect, it } from 'vitest';
import { createSimModel } from '../../models/sim-model.ts';
import { expectedTotal, runCompaction, runConversation, runExternalised, runHostLoop, subGoalsSim } from './sub-goals.ts';

const perfect = (seed: number) => createSimModel({ behaviour: subGoalsSim, seed, parameters: { errorRate: 0, malformedRate: 0, longWhenRight: 0 } });
const n = 7;

describe('the sub-goals example', () => {
  it('gets the right total with an error-free model, every strategy', async () => {
    const total = expectedTotal(n, 3);
    expect((await runConversation(perfect(3), n, 3)).answer).toBe(total);
    expect((await runCompaction(perfect(3), n, 3, 3)).answer).toBe(total);
    expect((await runExternalised(perfect(3), n, 3, 4)).answer).toBe(total);
    expect((await runHostLoop(perfect(3), n, 3)).answer).toBe(total);
    expect((await runHostLoop(perfect(3), n, 3, 2)).answer).toBe(total);
  });

  it('compaction restarts from summaries, externalisation from the ledger, each restart costing calls', async () => {
    const compaction = await runCompaction(perfect(2), n, 2, 3);
    // 7 lookups in windows of 3, a summary after each full window, then the submit.
    expect(compaction.usage.calls).toBe(7 + 2 + 1);
    // next_item, lookup, record per item, then next_item and submit; a restart re-asks next_item.
    const unbroken = await runExternalised(perfect(2), n, 2, 100);
    expect(unbroken.usage.calls).toBe(3 * n + 2);
    const restarted = await runExternalised(perfect(2), n, 2, 4);
    expect(restarted.answer).toBe(expectedTotal(n, 2));
    expect(restarted.usage.calls).toBeGreaterThan(3 * n + 2);
  });

  it('makes the baseline fail more often than the host loop when the model errs', async () => {
    const params = { errorRate: 0.05, heterogeneity: 0, malformedRate: 0 };
    let baseline = 0;
    let host = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const total = expectedTotal(24, seed);
      if ((await runConversation(createSimModel({ behaviour: subGoalsSim, seed, parameters: params }), 24, seed)).answer === total) baseline++;
      if ((await runHostLoop(createSimModel({ behaviour: subGoalsSim, seed, parameters: params }), 24, seed, 2)).answer === total) host++;
    }
    expect(host).toBeGreaterThan(baseline);
  });
});
