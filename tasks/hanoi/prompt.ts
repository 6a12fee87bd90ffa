/**
 * The Hanoi prompt: rules, strategy, previous move and current state — everything one step needs and nothing
 * of the history. The system message is the same for every step of a run (so token counts of it are cached);
 * the user message carries the state.
 */
import type { ChatMessage } from '../../core/model.ts';
import { formatMove, formatPegs, type Direction, type Move, type Pegs } from './rules.ts';

const CYCLE: Record<Direction, string> = { 1: 'clockwise (0 -> 1 -> 2 -> 0)', [-1]: 'counterclockwise (0 -> 2 -> 1 -> 0)' };

/** The rules and the strategy, shared by the step prompt and the flat (whole-task) prompt. */
export function rulesAndStrategy(disks: number, direction: Direction): string {
  return `Rules:
- There are three pegs, numbered 0, 1 and 2, and disks numbered 1 (smallest) to ${disks} (largest).
- A state lists the disks on each peg from bottom to top; for example [[3, 2], [], [1]] has disks 3 and 2 on peg 0 with 2 on top, and disk 1 on peg 2.
- Only the top disk of a peg may be moved, and only onto an empty peg or onto a larger disk.
- The goal is to move all disks onto peg 2.

Strategy (it reaches the goal in the fewest possible moves):
- If the previous move did not move disk 1, or there was no previous move, move disk 1 one peg ${CYCLE[direction]}.
- Otherwise, make the only legal move that does not involve disk 1.`;
}

/** The system message for n disks. */
export function systemMessage(disks: number, direction: Direction): string {
  return `You are solving the Tower of Hanoi puzzle with ${disks} disks, one move at a time.

${rulesAndStrategy(disks, direction)}

You are given the previous move and the current state. Work out the next move and the state it leads to.
End your answer with exactly these two lines:
move = [disk id, from peg, to peg]
next_state = [[disks on peg 0], [disks on peg 1], [disks on peg 2]]`;
}

/** The user message for one step. */
export function stateMessage(pegs: Pegs, previous: Move | null): string {
  return `Previous move: ${previous === null ? 'None' : formatMove(previous)}
Current state: ${formatPegs(pegs)}
Give the next move and the resulting state.`;
}

/** Both messages of a step's prompt. */
export function hanoiMessages(system: string, pegs: Pegs, previous: Move | null): ChatMessage[] {
  return [
    { role: 'system', content: system },
    { role: 'user', content: stateMessage(pegs, previous) },
  ];
}
