import { describe, expect, it } from 'vitest';
import { createModel } from '../../models/model-spec.ts';
import { evaluateConvexity } from './evaluate.ts';
import { convexitySim } from './sim.ts';

const model = () => createModel('sim:gpt-4.1-mini', { behaviour: convexitySim, seed: 0 });

describe('evaluateConvexity on sim:gpt-4.1-mini', () => {
  it('focused at depth 100 with k = 3 reaches macro-F1 >= 0.99', async () => {
    const result = await evaluateConvexity({ strategy: 'focused', model: model(), depth: 100, count: 20, seed: 1, k: 3 });
    expect(result.f1).toBeGreaterThanOrEqual(0.99);
    expect(result.signAccuracy).toBeGreaterThanOrEqual(0.95);
    expect(result.samples).toBeGreaterThanOrEqual(result.steps * 3);
    expect(result.promptTokens).toBeGreaterThan(0);
    expect(result.costUsd).toBeGreaterThan(0);
  });

  it('flat collapses with depth, its errors leaning toward UNKNOWN', async () => {
    const shallow = await evaluateConvexity({ strategy: 'flat', model: model(), depth: 2, count: 100, seed: 1 });
    const deep = await evaluateConvexity({ strategy: 'flat', model: model(), depth: 100, count: 100, seed: 1 });
    expect(shallow.f1).toBeGreaterThanOrEqual(0.95);
    expect(deep.f1).toBeLessThan(0.4);
    const wrong = deep.outcomes.filter((o) => o.predicted !== undefined && o.predicted.curvature !== o.truth.curvature);
    expect(wrong.filter((o) => o.predicted!.curvature === 'UNKNOWN').length / wrong.length).toBeGreaterThan(0.8);
  });

  it('accumulating answers the same questions with longer prompts', async () => {
    const focused = await evaluateConvexity({ strategy: 'focused', model: model(), depth: 10, count: 5, seed: 2 });
    const accumulating = await evaluateConvexity({ strategy: 'accumulating', model: model(), depth: 10, count: 5, seed: 2 });
    expect(accumulating.steps).toBe(focused.steps);
    expect(accumulating.promptTokens / accumulating.samples).toBeGreaterThan((2 * focused.promptTokens) / focused.samples);
  });
});
