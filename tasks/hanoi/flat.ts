/**
 * Flat Hanoi: the whole puzzle in one call, the undecomposed baseline that MAKER is measured against (the paper's
 * `m = s`). One step, whose prompt gives the rules, the strategy and the initial state and asks for every move at
 * once; the answer is one line, `moves = [[disk, from, to], ...]`.
 *
 * The simulated model answers such a prompt with the whole move sequence, but it must get all `2^n - 1` moves
 * right in that one answer (`stepsInAnswer`), so a per-step error `e` becomes `1 - (1 - e)^(2^n - 1)` per call,
 * and its wrong answers are the slips a one-shot solver makes: the wrong cycle direction, one move astray and
 * the rest played on from there, a move skipped, two moves swapped, the sequence given up before the end.
 */
import { InputError } from '../../core/errors.ts';
import type { ChatMessage } from '../../core/model.ts';
import { hashString } from '../../core/rng.ts';
import type { ParseResult, StepTask } from '../../core/task.ts';
import type { SimBehaviour } from '../../models/sim-behaviour.ts';
import { MAX_DISKS } from './task.ts';
import { rulesAndStrategy } from './prompt.ts';
import { applyMove, directionFor, formatPegs, initialPegs, isGoal, strategyMove, type Direction, type Move, type Pegs } from './rules.ts';

/** The state of a flat run: the voted move list, once there is one. */
export interface FlatHanoiState {
  readonly moves: readonly Move[] | undefined;
}

/** Options of {@link createFlatHanoiTask}. */
export interface FlatHanoiOptions {
  /** Number of disks, 1 to 30 (the answer has 2^n - 1 moves: keep n small). */
  readonly disks: number;
}

/** The flat prompt's system message for n disks. */
export function flatSystemMessage(disks: number, direction: Direction): string {
  return `You are solving the Tower of Hanoi puzzle with ${disks} disks, all moves in one answer.

${rulesAndStrategy(disks, direction)}

You are given the initial state. Work out the complete sequence of moves that reaches the goal.
End your answer with exactly this line, listing every move in order:
moves = [[disk id, from peg, to peg], [disk id, from peg, to peg], ...]`;
}

/** The flat prompt's user message. */
export function flatStateMessage(pegs: Pegs): string {
  return `Initial state: ${formatPegs(pegs)}
Give every move, in order, from the initial state to the goal.`;
}

/** The optimal move sequence for n disks (what the strategy plays from the initial state). */
export function flatSolution(disks: number, direction: Direction = directionFor(disks)): Move[] {
  return playStrategy(initialPegs(disks), null, direction, 2 ** disks - 1);
}

/** Plays the strategy from a state for up to `count` moves (fewer if it runs out of legal moves). */
function playStrategy(start: Pegs, previous: Move | null, direction: Direction, count: number): Move[] {
  const moves: Move[] = [];
  let pegs = start;
  let last = previous;
  for (let i = 0; i < count; i++) {
    const move = strategyMove(pegs, last, direction);
    if (move === undefined) break;
    moves.push(move);
    pegs = applyMove(pegs, move);
    last = move;
  }
  return moves;
}

/** The answer line for a move list. */
export function movesText(moves: readonly Move[]): string {
  return `moves = [${moves.map((move) => `[${move[0]}, ${move[1]}, ${move[2]}]`).join(', ')}]`;
}

/** The canonical vote key of a move list: `d,f,t;d,f,t;...`. */
export function movesKey(moves: readonly Move[]): string {
  return moves.map((move) => `${move[0]},${move[1]},${move[2]}`).join(';');
}

const MOVES_START = /(?<![A-Za-z0-9_])moves\s*=\s*\[/g;
const MOVE_ITEM = /\s*\[\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(-?\d+)\s*\]\s*([,\]])/y;
const EMPTY_LIST = /\s*\]/y;

/**
 * Strict parse of a flat answer: the last `moves = [...]` must be a list of `[disk, from, to]` triples of
 * integers, disks in 1..n and pegs in 0..2. Legality is not checked (that would need an oracle).
 */
export function parseFlatHanoi(text: string, disks: number): ParseResult<Move[]> {
  MOVES_START.lastIndex = 0;
  let start = -1;
  for (let match = MOVES_START.exec(text); match !== null; match = MOVES_START.exec(text)) start = MOVES_START.lastIndex;
  if (start < 0) return { ok: false, reason: 'no `moves = [...]` line' };
  EMPTY_LIST.lastIndex = start;
  if (EMPTY_LIST.test(text)) return { ok: true, key: '', value: [] };
  const moves: Move[] = [];
  let at = start;
  for (;;) {
    MOVE_ITEM.lastIndex = at;
    const item = MOVE_ITEM.exec(text);
    if (item === null) return { ok: false, reason: `move ${moves.length + 1} is not \`[disk, from, to]\`` };
    const move: Move = [Number(item[1]), Number(item[2]), Number(item[3])];
    if (move[0] < 1 || move[0] > disks || move[1] < 0 || move[1] > 2 || move[2] < 0 || move[2] > 2) {
      return { ok: false, reason: `move ${moves.length + 1} names a disk or peg out of range` };
    }
    moves.push(move);
    at = MOVE_ITEM.lastIndex;
    if (item[4] === ']') break;
  }
  return { ok: true, key: movesKey(moves), value: moves };
}

/** True when the moves, played legally from the initial state, end with every disk on peg 2. */
export function solvesHanoi(moves: readonly Move[], disks: number): boolean {
  let pegs: number[][] = initialPegs(disks);
  for (const [disk, from, to] of moves) {
    if (pegs[from]!.at(-1) !== disk) return false;
    const target = pegs[to]!.at(-1);
    if (target !== undefined && target < disk) return false;
    pegs = applyMove(pegs, [disk, from, to]);
  }
  return isGoal(pegs, disks);
}

const DISKS = /Tower of Hanoi puzzle with (\d+) disks, all moves in one answer/;
const DIRECTION = /one peg (?:clockwise|counterclockwise) \((\d) -> (\d) -> (\d) -> \d\)/;

function readFlatPrompt(prompt: string): { disks: number; direction: Direction } | undefined {
  const disks = DISKS.exec(prompt);
  const direction = DIRECTION.exec(prompt);
  if (disks === null || direction === null || !prompt.includes('Initial state:')) return undefined;
  return { disks: Number(disks[1]), direction: Number(direction[2]) === (Number(direction[1]) + 1) % 3 ? 1 : -1 };
}

/** The simulated model's behaviour on flat Hanoi prompts. */
export const hanoiFlatSim: SimBehaviour = {
  respond(prompt) {
    const facts = readFlatPrompt(prompt);
    return facts === undefined ? undefined : movesText(flatSolution(facts.disks, facts.direction));
  },

  wrongAnswers(prompt, correct) {
    const facts = readFlatPrompt(prompt);
    if (facts === undefined) return ['moves = [[1, 0, 2]]', 'moves = [[1, 0, 1], [2, 0, 2], [1, 1, 2]]'];
    const { disks, direction } = facts;
    const solution = flatSolution(disks, direction);
    const length = solution.length;
    // Where each slip happens is fixed by the prompt, as a model's habits are.
    const at = (salt: number) => hashString(prompt, salt) % length;
    const candidates: Move[][] = [];
    // The parity mistake: disk 1 cycles the other way, and the tower ends on the wrong peg.
    candidates.push(flatSolution(disks, direction === 1 ? -1 : 1));
    // One move astray (the disk lands on the third peg), the strategy played on from the state that leaves.
    const slip = at(1);
    const [disk, from, to] = solution[slip]!;
    const astray: Move = [disk, from, 3 - from - to];
    let pegs: Pegs = initialPegs(disks);
    for (let i = 0; i < slip; i++) pegs = applyMove(pegs, solution[i]!);
    candidates.push([...solution.slice(0, slip), astray, ...playStrategy(applyMove(pegs, astray), astray, direction, length - slip - 1)]);
    // A move skipped.
    const skip = at(2);
    candidates.push([...solution.slice(0, skip), ...solution.slice(skip + 1)]);
    // Two neighbouring moves swapped.
    const swap = Math.min(at(3), length - 2);
    if (swap >= 0) candidates.push([...solution.slice(0, swap), solution[swap + 1]!, solution[swap]!, ...solution.slice(swap + 2)]);
    // Given up before the end.
    candidates.push(solution.slice(0, Math.max(0, at(4))));
    return [...new Set(candidates.map(movesText))].filter((text) => text !== correct);
  },

  malformed(prompt) {
    const facts = readFlatPrompt(prompt);
    const moves = facts === undefined ? [] : flatSolution(facts.disks, facts.direction).slice(0, 3);
    // An answer that stops mid-list: the shape a model produces when it runs out of room.
    return `${movesText(moves).slice(0, -1)}, [1, 0`;
  },

  stepsInAnswer(prompt) {
    const facts = readFlatPrompt(prompt);
    return facts === undefined ? 1 : 2 ** facts.disks - 1;
  },
};

/** Builds flat Hanoi for n disks: one step, one call for the whole move sequence. */
export function createFlatHanoiTask(options: FlatHanoiOptions): StepTask<FlatHanoiState, Move[]> {
  const { disks } = options;
  if (!Number.isInteger(disks) || disks < 1 || disks > MAX_DISKS) {
    throw new InputError(`Expected \`disks\` to be an integer from 1 to ${MAX_DISKS}, got \`${disks}\``);
  }
  const direction = directionFor(disks);
  const messages: readonly ChatMessage[] = [
    { role: 'system', content: flatSystemMessage(disks, direction) },
    { role: 'user', content: flatStateMessage(initialPegs(disks)) },
  ];
  let solutionKey: string | undefined;
  return {
    name: 'hanoi-flat',
    totalSteps: 1,
    initialState: () => ({ moves: undefined }),
    prompt: () => messages,
    parse: (text) => parseFlatHanoi(text, disks),
    absorb: (_state, value) => ({ moves: value }),
    done: (_state, step) => step >= 1,
    solved: (state, step) => step === 1 && state.moves !== undefined && solvesHanoi(state.moves, disks),
    oracle: () => (solutionKey ??= movesKey(flatSolution(disks, direction))),
  };
}
