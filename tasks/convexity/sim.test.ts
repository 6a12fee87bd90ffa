import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomStream } from '../../core/rng.ts';
import { promptText } from '../../core/task.ts';
import { countMessageTokens } from '../../models/tokens.ts';
import { formatAnswer, labelKey } from './answer.ts';
import { generateExpression } from './generator.ts';
import { parseExpression } from './parser.ts';
import { flatMessages, focusedMessages } from './prompts.ts';
import { convexitySim, flatLossProbability, promptKind, promptTruth } from './sim.ts';
import { createConvexityTask, type ConvexityTask } from './strategies.ts';
import { asGraphTask } from '../../run/run-task.ts';
import { walkTask } from '../../run/walk.ts';

/** Walks a task to the end with oracle answers, calling `visit` on every prompt text and its correct key. */
function walk(task: ConvexityTask, visit: (prompt: string, correct: string) => void): void {
  const graph = asGraphTask(task);
  walkTask(graph, (call, state) => {
    const correct = graph.oracle!(state, call)!;
    visit(promptText(call.messages), correct);
    return correct.split('/').map((part, i) => `${i === 0 ? 'curvature' : 'sign'} = ${part}`).join('\n');
  });
}

const expressions = fc
  .tuple(fc.constantFrom('CONSTANT', 'AFFINE', 'CONVEX', 'CONCAVE', 'UNKNOWN') as fc.Arbitrary<'CONVEX'>, fc.integer({ min: 1, max: 8 }), fc.nat())
  .map(([target, depth, seed]) => generateExpression(target, depth, randomStream(seed)).expr);

describe('convexitySim answers from the prompt text alone', () => {
  it.each(['focused', 'accumulating'] as const)('%s: every step\'s correct answer is derived from its prompt', (strategy) => {
    fc.assert(
      fc.property(expressions, fc.constantFrom('ask', 'symbolic') as fc.Arbitrary<'ask' | 'symbolic'>, (expr, affineNodes) => {
        walk(createConvexityTask({ expr, strategy, affineNodes }), (prompt, correct) => {
          expect(promptKind(prompt)).toBe(strategy);
          const answer = convexitySim.respond(prompt);
          expect(answer).toBeDefined();
          expect(labelKey(promptTruth(prompt)!)).toBe(correct);
        });
      }),
      { numRuns: 60 },
    );
  });

  it('flat: a short expression is answered correctly', () => {
    const prompt = promptText(flatMessages(parseExpression('square(-exp(x))')));
    expect(convexitySim.respond(prompt)).toBe(formatAnswer({ curvature: 'CONVEX', sign: 'NONNEGATIVE' }));
  });

  it('flat: the one-shot reader loses track more often as the expression grows', () => {
    expect(flatLossProbability(14)).toBeLessThan(0.01);
    expect(flatLossProbability(330)).toBeGreaterThan(0.9);
    fc.assert(fc.property(fc.nat(2000), fc.nat(2000), (a, b) => (a <= b ? flatLossProbability(a) <= flatLossProbability(b) : true)));
  });

  it('has no answer when the prompt lacks the arguments\' labels', () => {
    const prompt = promptText(focusedMessages(parseExpression('square(x)'), [{ curvature: 'AFFINE', sign: 'UNKNOWN' }]));
    expect(convexitySim.respond(prompt)).toBeDefined();
    expect(convexitySim.respond(prompt.replace(/^- a: .*$/m, ''))).toBeUndefined();
    expect(convexitySim.respond('What is the curvature of exp(x)?')).toBeUndefined();
  });

  it('applies sign-dependent monotonicity from the stated sign', () => {
    const node = parseExpression('square(x)');
    const answer = (sign: 'NONPOSITIVE' | 'UNKNOWN') => convexitySim.respond(promptText(focusedMessages(node, [{ curvature: 'CONCAVE', sign }])));
    expect(answer('NONPOSITIVE')).toBe(formatAnswer({ curvature: 'CONVEX', sign: 'NONNEGATIVE' }));
    expect(answer('UNKNOWN')).toBe(formatAnswer({ curvature: 'UNKNOWN', sign: 'NONNEGATIVE' }));
  });
});

describe('convexitySim wrong answers', () => {
  it('never include the correct answer, and the attractor has UNKNOWN curvature when the truth does not', () => {
    fc.assert(
      fc.property(expressions, fc.constantFrom('focused', 'flat', 'accumulating') as fc.Arbitrary<'flat'>, (expr, strategy) => {
        walk(createConvexityTask({ expr, strategy }), (prompt, correct) => {
          const wrong = convexitySim.wrongAnswers(prompt, convexitySim.respond(prompt));
          expect(wrong.length).toBeGreaterThan(0);
          const correctText = correct.split('/');
          expect(wrong).not.toContain(`curvature = ${correctText[0]}\nsign = ${correctText[1]}`);
          const attractor = wrong[convexitySim.attractorIndex!(prompt, wrong, 12345)]!;
          expect(attractor.startsWith('curvature = UNKNOWN')).toBe(true);
        });
      }),
      { numRuns: 40 },
    );
  });

  it('lean toward UNKNOWN for flat prompts', () => {
    const prompt = promptText(flatMessages(parseExpression('exp(x)')));
    const wrong = convexitySim.wrongAnswers(prompt, undefined);
    expect(wrong.filter((text) => text.startsWith('curvature = UNKNOWN')).length).toBeGreaterThanOrEqual(wrong.length - 1);
  });
});

describe('focused prompts are bounded', () => {
  it('hold only one operator and its arguments\' labels, whatever the depth', () => {
    const expr = generateExpression('CONVEX', 100, randomStream(1)).expr;
    const task = createConvexityTask({ expr, strategy: 'focused' });
    let largest = 0;
    const { state } = walkTask(asGraphTask(task), (call) => {
      largest = Math.max(largest, countMessageTokens(call.messages));
      expect(promptText(call.messages)).not.toContain('Expression:');
      return convexitySim.respond(promptText(call.messages))!;
    });
    expect(largest).toBeLessThan(700);
    expect(task.answer(state)).toEqual(task.truth);
  });
});
