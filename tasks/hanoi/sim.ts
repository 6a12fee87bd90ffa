/**
 * How the simulated model answers Hanoi prompts. The responder reads the direction, the previous move and the
 * current state out of the prompt text and applies the strategy; a prompt missing any of them gets no correct
 * answer. The corrupter offers the slips a language model plausibly makes: the wrong peg, the wrong direction,
 * a move that is not the strategy's, a state that forgets to apply the move or puts the disk at the bottom.
 */
import type { SimBehaviour } from '../../models/sim-behaviour.ts';
import { applyMove, formatMove, formatPegs, strategyMove, type Direction, type Move } from './rules.ts';

/** What a prompt says, as the model would read it. */
interface PromptFacts {
  readonly direction: Direction;
  readonly previous: Move | null;
  readonly pegs: number[][];
}

// Sticky patterns, tried only where their literal start occurs (found by indexOf): the first match of each, as
// the unanchored pattern would find it, without running the pattern along the whole rules text.
const DIRECTION = /one peg (?:clockwise|counterclockwise) \((\d) -> (\d) -> (\d) -> \d\)/y;
const PREVIOUS = /Previous move: (None|\[\s*(\d+),\s*(\d+),\s*(\d+)\s*\])/y;
const STATE = /Current state: (\[\s*\[[\d,\s]*\]\s*,\s*\[[\d,\s]*\]\s*,\s*\[[\d,\s]*\]\s*\])/y;

/** The first match of a sticky pattern that begins with `literal`. */
function firstMatch(prompt: string, literal: string, pattern: RegExp): RegExpExecArray | null {
  for (let at = prompt.indexOf(literal); at >= 0; at = prompt.indexOf(literal, at + 1)) {
    pattern.lastIndex = at;
    const match = pattern.exec(prompt);
    if (match !== null) return match;
  }
  return null;
}

function readPrompt(prompt: string): PromptFacts | undefined {
  const direction = firstMatch(prompt, 'one peg ', DIRECTION);
  const previous = firstMatch(prompt, 'Previous move: ', PREVIOUS);
  const state = firstMatch(prompt, 'Current state: ', STATE);
  if (direction === null || previous === null || state === null) return undefined;
  const pegs = JSON.parse(state[1]!) as number[][];
  return {
    direction: Number(direction[2]) === (Number(direction[1]) + 1) % 3 ? 1 : -1,
    previous: previous[1] === 'None' ? null : [Number(previous[2]), Number(previous[3]), Number(previous[4])],
    pegs,
  };
}

/** The two answer lines for a move and a state. */
export function answerText(move: Move, pegs: readonly (readonly number[])[]): string {
  return `move = ${formatMove(move)}\nnext_state = ${formatPegs(pegs)}`;
}

/** The simulated model's Hanoi behaviour. */
export const hanoiSim: SimBehaviour = {
  respond(prompt) {
    const facts = readPrompt(prompt);
    if (facts === undefined) return undefined;
    const move = strategyMove(facts.pegs, facts.previous, facts.direction);
    return move === undefined ? undefined : answerText(move, applyMove(facts.pegs, move));
  },

  wrongAnswers(prompt, correct) {
    const facts = readPrompt(prompt);
    if (facts === undefined) {
      // Without the state the model can only guess at a shape; the strict parser rejects these for n > 1.
      return ['move = [1, 0, 1]\nnext_state = [[], [1], []]', 'move = [1, 0, 2]\nnext_state = [[], [], [1]]'];
    }
    const { pegs, previous, direction } = facts;
    const move = strategyMove(pegs, previous, direction);
    const candidates: string[] = [];
    if (move !== undefined) {
      const [disk, from, to] = move;
      const other = 3 - from - to;
      // The right move, but the disk lands on the third peg in the state.
      candidates.push(answerText(move, applyMove(pegs, [disk, from, other])));
      // The disk moved to the other peg: wrong direction for disk 1, the reverse or a detour otherwise.
      candidates.push(answerText([disk, from, other], applyMove(pegs, [disk, from, other])));
      // The move, with a state that forgot to apply it.
      candidates.push(answerText(move, pegs));
      // The move, with the disk slid under the target peg's stack.
      const under = pegs.map((peg) => [...peg]);
      under[from]!.pop();
      under[to]!.unshift(disk);
      candidates.push(answerText(move, under));
      // The move written backwards (from and to swapped) beside the right state. (Applying the backwards move would
      // take the disk from a peg it is not on: a state with a disk twice, which the parser rejects, so that slip
      // would be a red flag rather than a wrong vote.)
      candidates.push(answerText([disk, to, from], applyMove(pegs, move)));
      // The strategy misread: the other kind of move (disk 1 when it should not move, or vice versa).
      const misread = strategyMove(pegs, previous === null || previous[0] !== 1 ? [1, 0, 0] : null, direction);
      if (misread !== undefined) candidates.push(answerText(misread, applyMove(pegs, misread)));
    } else {
      // A state the strategy has no move for (the run has derailed): the model still moves some top disk.
      for (let from = 0; from < 3; from++) {
        const disk = pegs[from]!.at(-1);
        if (disk === undefined) continue;
        for (const to of [0, 1, 2].filter((peg) => peg !== from)) candidates.push(answerText([disk, from, to], applyMove(pegs, [disk, from, to])));
      }
    }
    return [...new Set(candidates)].filter((text) => text !== correct);
  },

  malformed(prompt, random) {
    const facts = readPrompt(prompt);
    const variants = [
      'I think the next move should take the smallest disk around the cycle, but let me double-check the rules before',
      facts === undefined ? 'move = [1, 0]' : `move = [1, 0]\nnext_state = ${formatPegs(facts.pegs)}`,
      facts === undefined ? 'next_state = [[1], [], []]' : `move = [1, 0, 1]\nnext_state = [[${facts.pegs[0]!.join(', ')}], []]`,
    ];
    return variants[Math.floor(random() * variants.length)]!;
  },
};
