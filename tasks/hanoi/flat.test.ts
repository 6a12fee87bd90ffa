import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSimModel } from '../../models/sim-model.ts';
import { promptText } from '../../core/task.ts';
import { countTokens } from '../../models/tokens.ts';
import { createFlatHanoiTask, flatSolution, hanoiFlatSim, movesKey, movesText, parseFlatHanoi, solvesHanoi } from './flat.ts';
import type { Move } from './rules.ts';

describe('flat Hanoi', () => {
  it('property: the answer line parses back to the same moves', () => {
    const move = fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }));
    fc.assert(
      fc.property(fc.array(move, { maxLength: 40 }), (moves) => {
        const parsed = parseFlatHanoi(`Let me think.\n${movesText(moves as Move[])}`, 6);
        expect(parsed).toEqual({ ok: true, key: movesKey(moves as Move[]), value: moves });
      }),
    );
  });

  it.each([
    ['no moves line', 'the moves are 1 0 2'],
    ['a move of two numbers', 'moves = [[1, 0], [2, 0, 1]]'],
    ['an unclosed list', 'moves = [[1, 0, 2], [2, 0'],
    ['a disk out of range', 'moves = [[4, 0, 2]]'],
    ['a peg out of range', 'moves = [[1, 0, 3]]'],
  ])('rejects %s', (_, text) => {
    expect(parseFlatHanoi(text, 3).ok).toBe(false);
  });

  it.each([1, 2, 3, 6, 9])('the oracle sequence solves %i disks and the simulated responder gives it', (disks) => {
    const task = createFlatHanoiTask({ disks });
    const text = promptText(task.prompt(task.initialState(), 0));
    const answer = hanoiFlatSim.respond(text)!;
    const parsed = parseFlatHanoi(answer, disks);
    expect(parsed.ok && parsed.key === task.oracle!(task.initialState(), 0)).toBe(true);
    expect(solvesHanoi(flatSolution(disks), disks)).toBe(true);
    expect(hanoiFlatSim.stepsInAnswer!(text)).toBe(2 ** disks - 1);
  });

  it('offers only wrong answers that parse and do not solve the puzzle', () => {
    const task = createFlatHanoiTask({ disks: 6 });
    const text = promptText(task.prompt(task.initialState(), 0));
    const wrong = hanoiFlatSim.wrongAnswers(text, hanoiFlatSim.respond(text));
    expect(wrong.length).toBeGreaterThanOrEqual(4);
    for (const answer of wrong) {
      const parsed = parseFlatHanoi(answer, 6);
      expect(parsed.ok).toBe(true);
      expect(parsed.ok && solvesHanoi(parsed.value, 6)).toBe(false);
    }
  });

  it('the simulated model gets a flat answer of m moves right about (1 - e)^m of the time', () => {
    const disks = 5; // 31 moves
    const e = 0.02;
    const task = createFlatHanoiTask({ disks });
    const messages = task.prompt(task.initialState(), 0);
    let valid = 0;
    let right = 0;
    const trials = 4000;
    for (let seed = 0; seed < trials; seed++) {
      // Default heterogeneity: an m-step answer sees the mean per-step rate, whatever the prompt's own draw.
      const model = createSimModel({ behaviour: hanoiFlatSim, seed, parameters: { errorRate: e } });
      const { response } = model.complete({ messages, temperature: 0.1, maxOutputTokens: 100_000, seed });
      const parsed = task.parse(response.text);
      if (!parsed.ok || response.usage.completionTokens > 1.4 * (538 + countTokens(hanoiFlatSim.respond(promptText(messages))!))) continue;
      valid++;
      if (parsed.key === task.oracle!(task.initialState(), 0)) right++;
    }
    const expected = (1 - e) ** 31;
    const sd = Math.sqrt((expected * (1 - expected)) / valid);
    expect(Math.abs(right / valid - expected)).toBeLessThan(4 * sd);
  });

  it('a flat answer is as long as the profile answer plus the move list', () => {
    const task = createFlatHanoiTask({ disks: 7 });
    const messages = task.prompt(task.initialState(), 0);
    const model = createSimModel({ behaviour: hanoiFlatSim, seed: 3, parameters: { heterogeneity: 0, tokensSpread: 0 } });
    const { response } = model.complete({ messages, temperature: 0.1, maxOutputTokens: 100_000, seed: 1 });
    expect(response.usage.completionTokens).toBe(538 + countTokens(hanoiFlatSim.respond(promptText(messages))!));
  });

  it('counts the run solved only when the voted moves reach the goal legally', () => {
    const task = createFlatHanoiTask({ disks: 3 });
    expect(task.solved({ moves: flatSolution(3) }, 1)).toBe(true);
    expect(task.solved({ moves: flatSolution(3).slice(1) }, 1)).toBe(false);
  });
});
