import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TransientModelError } from '../core/errors.ts';
import type { LanguageModel, ModelRequest, ModelResponse } from '../core/model.ts';
import { hashString, mixSeed } from '../core/rng.ts';
import type { GraphTask, TaskCall } from '../core/task.ts';
import { createDispatcher } from '../dispatch/dispatcher.ts';
import { runTask } from './run-task.ts';

/** A random DAG: node i depends on some of the nodes before it. */
interface Dag {
  readonly deps: readonly (readonly number[])[];
}

const dagArbitrary = (maxNodes: number) =>
  fc.integer({ min: 1, max: maxNodes }).chain((n) =>
    fc.tuple(...Array.from({ length: n }, (_, i) => fc.uniqueArray(fc.integer({ min: 0, max: Math.max(0, i - 1) }), { maxLength: i === 0 ? 0 : Math.min(i, 3) }))).map((deps) => ({
      deps: deps.map((list, i) => (i === 0 ? [] : list)),
    })),
  );

interface DagState {
  readonly decided: ReadonlyMap<number, number>;
  /** Node ids in the order they were absorbed. */
  readonly order: readonly number[];
}

/** A task over a DAG: node i's prompt carries its deps' values; its answer is `value = f(i, deps)`. */
function dagTask(dag: Dag, name = 'dag'): GraphTask<DagState, number, number> & { violations: string[] } {
  const violations: string[] = [];
  const truth = (node: number, decided: ReadonlyMap<number, number>) => dag.deps[node]!.reduce((sum, dep) => sum + decided.get(dep)!, node + 1);
  return {
    name,
    totalCalls: dag.deps.length,
    violations,
    initialState: () => ({ decided: new Map(), order: [] }),
    *ready(state) {
      for (let node = 0; node < dag.deps.length; node++) {
        if (state.decided.has(node) || !dag.deps[node]!.every((dep) => state.decided.has(dep))) continue;
        yield {
          id: `n${node}`,
          data: node,
          messages: [{ role: 'user', content: `${name} node ${node} truth ${truth(node, state.decided)}` }],
        } satisfies TaskCall<number>;
      }
    },
    parse: (text) => {
      const match = /^value = (\d+)$/.exec(text);
      return match === null ? { ok: false, reason: 'no value' } : { ok: true, key: match[1]!, value: Number(match[1]) };
    },
    absorb(state, call, value) {
      if (state.decided.has(call.data)) violations.push(`node ${call.data} decided twice`);
      for (const dep of dag.deps[call.data]!) if (!state.decided.has(dep)) violations.push(`node ${call.data} decided before its dependency ${dep}`);
      const decided = new Map(state.decided);
      decided.set(call.data, value);
      return { decided, order: [...state.order, call.data] };
    },
    done: (state) => state.decided.size === dag.deps.length,
    solved: (state) => state.decided.size === dag.deps.length,
    oracle: (state, call) => String(truth(call.data, state.decided)),
  };
}

/**
 * A model that reads the truth from the prompt and errs on about a third of samples, by the request's seed alone;
 * it answers after a delay drawn from `delays`, so the order calls complete in is whatever the test chooses.
 */
function noisyModel(delaySeed: number, faults?: { rate: number; injected: Map<string, number> }) {
  let inFlight = 0;
  let maxInFlight = 0;
  let calls = 0;
  const model: LanguageModel & { readonly maxInFlight: number; readonly calls: number } = {
    id: 'noisy',
    pricing: { inputUsdPerMillion: 1, outputUsdPerMillion: 2 },
    get maxInFlight() {
      return maxInFlight;
    },
    get calls() {
      return calls;
    },
    async generate(request: ModelRequest): Promise<ModelResponse> {
      calls++;
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        const text = request.messages[0]!.content;
        const delay = mixSeed(delaySeed, hashString(text), request.seed ?? 0, calls) % 4;
        await new Promise((resolve) => setTimeout(resolve, delay));
        if (faults !== undefined && mixSeed(delaySeed, calls) % 1000 < faults.rate * 1000) {
          const run = text.split(' ')[0]!;
          faults.injected.set(run, (faults.injected.get(run) ?? 0) + 1);
          throw new TransientModelError('noisy', 'server-error', 'injected');
        }
        const truth = Number(/truth (\d+)/.exec(text)![1]);
        const wrong = (request.seed ?? 0) % 3 === 0;
        return { text: `value = ${wrong ? truth + 1 : truth}`, finishReason: 'stop', usage: { promptTokens: 12, completionTokens: 5 }, latencyMs: delay };
      } finally {
        inFlight--;
      }
    },
  };
  return model;
}

describe('the engine on graphs of calls', () => {
  it('decides every call exactly once, only after its dependencies, within the concurrency, with totals independent of completion order', async () => {
    await fc.assert(
      fc.asyncProperty(dagArbitrary(12), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }), fc.nat(), fc.nat(), async (dag, concurrency, k, delaysA, delaysB) => {
        const taskA = dagTask(dag);
        const modelA = noisyModel(delaysA);
        const a = await runTask({ task: taskA, model: modelA, k, seed: 7, concurrency });
        const taskB = dagTask(dag);
        const modelB = noisyModel(delaysB);
        const b = await runTask({ task: taskB, model: modelB, k, seed: 7, concurrency });
        expect(taskA.violations).toEqual([]);
        expect(taskB.violations).toEqual([]);
        expect(a.finalState.order.length).toBe(dag.deps.length);
        expect(new Set(a.finalState.order).size).toBe(dag.deps.length);
        expect(modelA.maxInFlight).toBeLessThanOrEqual(concurrency);
        expect(modelB.maxInFlight).toBeLessThanOrEqual(concurrency);
        expect(a.solved).toBe(true);
        expect(b.totals).toEqual(a.totals);
        expect(b.finalState.decided).toEqual(a.finalState.decided);
      }),
      { numRuns: 25 },
    );
  });

  it('votes independent calls at the same time: a wide graph keeps the concurrency busy', async () => {
    const wide: Dag = { deps: Array.from({ length: 16 }, () => []) };
    const model = noisyModel(1);
    const result = await runTask({ task: dagTask(wide), model, k: 1, seed: 1, concurrency: 8 });
    expect(result.solved).toBe(true);
    expect(model.maxInFlight).toBe(8);
  });

  it('attributes every fault and retry to the run that met it when two runs share one dispatcher', async () => {
    await fc.assert(
      fc.asyncProperty(dagArbitrary(10), dagArbitrary(10), fc.nat(), async (dagA, dagB, delaySeed) => {
        const injected = new Map<string, number>();
        const model = noisyModel(delaySeed, { rate: 0.1, injected });
        // No cooldown: five injected faults in a row would otherwise open the breaker for 10 s of real time.
        const dispatcher = createDispatcher({ model, concurrency: 4, retry: { baseDelayMs: 0, maxDelayMs: 0 }, circuitBreaker: { cooldownMs: 0 } });
        const [a, b] = await Promise.all([
          runTask({ task: dagTask(dagA, 'alpha'), dispatcher, k: 2, seed: 1 }),
          runTask({ task: dagTask(dagB, 'beta'), dispatcher, k: 2, seed: 2 }),
        ]);
        expect(a.totals.faults['server-error'] ?? 0).toBe(injected.get('alpha') ?? 0);
        expect(b.totals.faults['server-error'] ?? 0).toBe(injected.get('beta') ?? 0);
        expect(a.totals.retries).toBe(injected.get('alpha') ?? 0);
        expect(b.totals.retries).toBe(injected.get('beta') ?? 0);
        expect(a.totals.retries + b.totals.retries).toBe(dispatcher.stats.retries);
      }),
      { numRuns: 8 },
    );
  });

  it('absorbs a planning call whose answer adds sub-goals, and stops when they are all done', async () => {
    // The root asks how many parts to split into; the answer adds that many leaf calls.
    interface Plan {
      readonly parts: number | undefined;
      readonly done: ReadonlySet<number>;
    }
    const task: GraphTask<Plan, number, 'plan' | number> = {
      name: 'plan',
      totalCalls: undefined,
      initialState: () => ({ parts: undefined, done: new Set() }),
      *ready(state) {
        if (state.parts === undefined) {
          yield { id: 'plan', data: 'plan', messages: [{ role: 'user', content: 'plan truth 5' }] };
          return;
        }
        for (let part = 0; part < state.parts; part++) {
          if (!state.done.has(part)) yield { id: `part-${part}`, data: part, after: ['plan'], messages: [{ role: 'user', content: `part ${part} truth ${part}` }] };
        }
      },
      parse: (text) => {
        const match = /^value = (\d+)$/.exec(text);
        return match === null ? { ok: false, reason: 'no value' } : { ok: true, key: match[1]!, value: Number(match[1]) };
      },
      absorb: (state, call, value) => (call.data === 'plan' ? { ...state, parts: value } : { ...state, done: new Set([...state.done, call.data]) }),
      done: (state) => state.parts !== undefined && state.done.size === state.parts,
      solved: (state) => state.parts === 5 && state.done.size === 5,
    };
    const ids: string[] = [];
    const result = await runTask({ task, model: noisyModel(3), k: 2, seed: 4, onStep: (event) => ids.push(event.id) });
    expect(result.solved).toBe(true);
    expect(ids[0]).toBe('plan');
    expect(ids.slice(1).sort()).toEqual(['part-0', 'part-1', 'part-2', 'part-3', 'part-4']);
  });

  it('seeds a decimal call id exactly as the step of a step task', async () => {
    const seeds: number[] = [];
    const model: LanguageModel = {
      id: 'seeds',
      pricing: { inputUsdPerMillion: 0, outputUsdPerMillion: 0 },
      generate: async (request) => {
        seeds.push(request.seed!);
        return { text: 'value = 1', finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 1 }, latencyMs: 0 };
      },
    };
    const task: GraphTask<number, number, undefined> = {
      name: 'one',
      totalCalls: 1,
      initialState: () => 0,
      ready: () => [{ id: '5', data: undefined, messages: [{ role: 'user', content: 'x' }] }],
      parse: () => ({ ok: true, key: '1', value: 1 }),
      absorb: () => 1,
      done: (state) => state === 1,
      solved: (state) => state === 1,
    };
    await runTask({ task, model, k: 1, seed: 3 });
    expect(seeds).toEqual([mixSeed(3, 5, 0)]);
  });

  /**
   * Three independent calls: `n0` is answered at once, `n1` and `n2` after 40 ms unless their signal aborts first
   * (then they reject as aborted). Records which calls were aborted.
   */
  function raceOfThree(done: (decided: number) => boolean) {
    const aborted: string[] = [];
    const model: LanguageModel = {
      id: 'race',
      pricing: { inputUsdPerMillion: 0, outputUsdPerMillion: 0 },
      generate: (request) => {
        const id = request.messages[0]!.content;
        const answer = { text: 'value = 1', finishReason: 'stop' as const, usage: { promptTokens: 1, completionTokens: 1 }, latencyMs: 0 };
        if (id === 'n0') return Promise.resolve(answer);
        return new Promise((resolve, reject) => {
          const timer = setTimeout(() => resolve(answer), 40);
          request.signal?.addEventListener('abort', () => {
            clearTimeout(timer);
            aborted.push(id);
            reject(Object.assign(new Error('aborted'), { name: 'AbortError' }));
          });
        });
      },
    };
    const task: GraphTask<ReadonlySet<string>, number, undefined> = {
      name: 'race',
      totalCalls: undefined,
      initialState: () => new Set(),
      ready: (state) => ['n0', 'n1', 'n2'].filter((id) => !state.has(id)).map((id) => ({ id, data: undefined, messages: [{ role: 'user' as const, content: id }] })),
      parse: () => ({ ok: true, key: '1', value: 1 }),
      absorb: (state, call) => new Set([...state, call.id]),
      done: (state) => done(state.size),
      solved: (state) => state.size >= 1,
    };
    return { model, task, aborted };
  }

  it('ends solved once the task is done, aborting the calls still in flight and counting none of them', async () => {
    const { model, task, aborted } = raceOfThree((decided) => decided >= 1);
    const ids: string[] = [];
    const result = await runTask({ task, model, k: 1, concurrency: 3, onStep: (event) => ids.push(event.id) });
    expect(result).toMatchObject({ solved: true, stopReason: undefined });
    expect(ids).toEqual(['n0']);
    expect(result.totals.steps).toBe(1);
    expect(aborted.sort()).toEqual(['n1', 'n2']);
  });

  it('stops when shouldStop says so, aborting the calls still in flight and counting none of them', async () => {
    const { model, task, aborted } = raceOfThree(() => false);
    const result = await runTask({ task, model, k: 1, concurrency: 3, shouldStop: (totals) => `stopped after ${totals.steps}` });
    expect(result).toMatchObject({ solved: false, stopReason: 'stopped after 1' });
    expect(result.totals.steps).toBe(1);
    expect(aborted.sort()).toEqual(['n1', 'n2']);
  });
});

