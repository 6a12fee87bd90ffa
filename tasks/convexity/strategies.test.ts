import { describe, expect, it } from 'vitest';
import { runTask } from '../../run/run-task.ts';
import { createSimModel } from '../../models/sim-model.ts';
import { createScriptedModel } from '../../testing/index.ts';
import { promptText } from '../../core/task.ts';
import { formatAnswer } from './answer.ts';
import { convexitySim } from './sim.ts';
import { createConvexityTask } from './strategies.ts';

describe('createConvexityTask', () => {
  it('focused asks one question per operator node, bottom-up, and the root answer is the label', async () => {
    const task = createConvexityTask({ expr: 'square(-exp(x)) + 1', strategy: 'focused' });
    const model = createScriptedModel({
      script: [
        formatAnswer({ curvature: 'CONVEX', sign: 'NONNEGATIVE' }), // exp(x)
        formatAnswer({ curvature: 'CONCAVE', sign: 'NONPOSITIVE' }), // -exp(x)
        formatAnswer({ curvature: 'CONVEX', sign: 'NONNEGATIVE' }), // square(...)
        formatAnswer({ curvature: 'CONVEX', sign: 'NONNEGATIVE' }), // ... + 1
      ],
    });
    const result = await runTask({ task, model, k: 1 });
    expect(task.questions).toBe(4);
    expect(model.calls.map((call) => /^Operator: (.+)$/m.exec(promptText(call.messages))?.[1])).toEqual(['exp(a)', '-a', 'square(a)', 'a + b']);
    expect(promptText(model.calls[2]!.messages)).toContain('- a: curvature = CONCAVE, sign = NONPOSITIVE');
    expect(result.solved).toBe(true);
    expect(task.answer(result.finalState)).toEqual({ curvature: 'CONVEX', sign: 'NONNEGATIVE' });
  });

  it('passes voted labels up, so a wrong vote below changes the questions above', async () => {
    const task = createConvexityTask({ expr: 'square(exp(x))', strategy: 'focused' });
    const model = createScriptedModel({
      script: [formatAnswer({ curvature: 'CONVEX', sign: 'UNKNOWN' }), formatAnswer({ curvature: 'UNKNOWN', sign: 'NONNEGATIVE' })],
    });
    const result = await runTask({ task, model, k: 1 });
    expect(promptText(model.calls[1]!.messages)).toContain('- a: curvature = CONVEX, sign = UNKNOWN');
    expect(result.totals.errors).toBe(1);
    expect(result.solved).toBe(false);
  });

  it('symbolic affine nodes: only atom nodes are asked', () => {
    const task = createConvexityTask({ expr: '-2 * log(x) + exp(y)', strategy: 'focused', affineNodes: 'symbolic' });
    expect(task.questions).toBe(2);
  });

  it('flat is a single step with the whole expression', async () => {
    const task = createConvexityTask({ expr: 'log(x) + log(y)', strategy: 'flat' });
    const model = createScriptedModel({ script: [formatAnswer({ curvature: 'CONCAVE', sign: 'UNKNOWN' })] });
    const result = await runTask({ task, model, k: 1 });
    expect(task.questions).toBe(1);
    expect(promptText(model.calls[0]!.messages)).toContain('Expression: log(x) + log(y)');
    expect(result.solved).toBe(true);
  });

  it('accumulating carries every earlier question and voted answer', async () => {
    const task = createConvexityTask({ expr: 'square(exp(x))', strategy: 'accumulating' });
    const model = createScriptedModel({
      script: [formatAnswer({ curvature: 'CONVEX', sign: 'NONNEGATIVE' }), formatAnswer({ curvature: 'CONVEX', sign: 'NONNEGATIVE' })],
    });
    await runTask({ task, model, k: 1 });
    const second = model.calls[1]!.messages;
    expect(second.map((m) => m.role)).toEqual(['system', 'user', 'user', 'assistant', 'user']);
    expect(second[2]!.content).toMatch(/^Node n1 = exp\(n0\)/);
    expect(second[3]!.content).toBe(formatAnswer({ curvature: 'CONVEX', sign: 'NONNEGATIVE' }));
    expect(second[4]!.content).toMatch(/^Node n2 = square\(n1\)/);
  });

  it.each(['focused', 'accumulating'] as const)('%s with an error-free simulated model labels deep expressions correctly', async (strategy) => {
    const model = createSimModel({ behaviour: convexitySim, parameters: { errorRate: 0, malformedRate: 0 } });
    for (const expr of ['square(log(x))', 'maximum(x, 3)', 'xexp(power(-sqrt(x), 2)) - 2 * entr(y)', 'log(3) * exp(x)']) {
      const task = createConvexityTask({ expr, strategy });
      const result = await runTask({ task, model, k: 2 });
      expect(task.answer(result.finalState)).toEqual(task.truth);
    }
  });

  it('labels a bare leaf with no steps', async () => {
    const task = createConvexityTask({ expr: 'x', strategy: 'focused' });
    const result = await runTask({ task, model: createScriptedModel({ script: [] }) });
    expect(task.answer(result.finalState)).toEqual({ curvature: 'AFFINE', sign: 'UNKNOWN' });
  });

  it('rejects a bad expression with its position, and a bad strategy', () => {
    expect(() => createConvexityTask({ expr: 'exp(x' })).toThrow(/column 6/);
    expect(() => createConvexityTask({ expr: 'x', strategy: 'greedy' as 'flat' })).toThrow('got `greedy`');
  });
});
