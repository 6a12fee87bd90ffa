import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LanguageModel, ModelRequest } from '../../core/model.ts';
import { createSimModel } from '../../models/sim-model.ts';
import { evaluate, exprFor, expressionTreeSim, parse, print, randomExpr, runControlRuntime, runHostRecursion, controlTools } from './expression-tree.ts';

const perfect = (seed: number) => createSimModel({ behaviour: expressionTreeSim, seed, parameters: { errorRate: 0, malformedRate: 0, longWhenRight: 0 } });

function recording(model: LanguageModel): { model: LanguageModel; requests: ModelRequest[] } {
  const requests: ModelRequest[] = [];
  return { requests, model: { id: model.id, pricing: model.pricing, generate: (request) => (requests.push(request), model.generate(request)) } };
}

describe('the expression-tree example', () => {
  it('parses what it prints', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer(), (size, seed) => {
        let state = seed >>> 0;
        const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 4294967296);
        const expr = randomExpr(size, random);
        expect(parse(print(expr))).toEqual(expr);
      }),
    );
  });

  it('solves a tree with an error-free model through the control runtime', async () => {
    for (const seed of [1, 2, 3]) {
      const expr = exprFor(12, seed);
      const { answer, result } = await runControlRuntime(perfect(seed), expr, seed);
      expect(answer).toBe(evaluate(expr));
      expect(result.stopReason.kind).toBe('done');
      expect(result.steps.every((step) => step.toolCalls.every((entry) => entry.outcome.ok))).toBe(true);
    }
  });

  it('solves a tree with an error-free model by host recursion, giving digit-only nodes only submit', async () => {
    const expr = exprFor(12, 4);
    const { model, requests } = recording(perfect(4));
    const { answer, usage } = await runHostRecursion(model, expr, 4);
    expect(answer).toBe(evaluate(expr));
    const surfaces = new Set(requests.map((request) => request.tools!.map((tool) => tool.name).join(',')));
    expect(surfaces).toEqual(new Set(['submit', 'submit,solve']));
    // Every node's conversation holds that node only.
    expect(Math.max(...requests.map((request) => request.messages.length))).toBeLessThanOrEqual(5);
    expect(usage.calls).toBe(requests.length);
  });

  it('reaches the same answer voted', async () => {
    const expr = exprFor(6, 5);
    const { answer, usage } = await runHostRecursion(perfect(5), expr, 5, 2);
    expect(answer).toBe(evaluate(expr));
    expect(usage.calls % 2).toBe(0);
  });

  it('makes the simulated model err in the ways the corrupter offers, and fail some runs', async () => {
    const model = createSimModel({ behaviour: expressionTreeSim, seed: 1, parameters: { errorRate: 0.2, heterogeneity: 0, malformedRate: 0 } });
    const results = await Promise.all([1, 2, 3, 4, 5, 6].map(async (seed) => {
      const expr = exprFor(6, seed);
      return (await runHostRecursion(model, expr, seed)).answer === evaluate(expr);
    }));
    expect(results.some((correct) => !correct)).toBe(true);
  });

  it("has a control tool that refuses steps out of protocol, so the model's mistakes are visible to it", async () => {
    const tools = controlTools('((1 + 2) - 3)', []);
    const control = tools['control']!;
    const context = {} as never;
    await expect(Promise.resolve().then(() => control.execute({ op: 'checkpoint', id: 't9', value: 1 } as never, context))).rejects.toThrow(/checkpoint needs/);
    expect(await control.execute({ op: 'next_task' } as never, context)).toEqual({ id: 't0', expr: '((1 + 2) - 3)', status: 'new' });
    expect(await control.execute({ op: 'push_subtasks', id: 't0', subtasks: ['(1 + 2)'] } as never, context)).toEqual({ pushed: ['t1'] });
    await control.execute({ op: 'checkpoint', id: 't1', value: 3 } as never, context);
    expect(await control.execute({ op: 'project_for_task', id: 't0' } as never, context)).toEqual({ id: 't0', expr: '(3 - 3)' });
  });
});
