/**
 * Towers of Hanoi as the paper sets it: three pegs 0..2, disks 1 (smallest) .. n, all start on peg 0 and must
 * end on peg 2. The strategy moves disk 1 one peg around a cycle every other move; for an even n the cycle is
 * 0 → 1 → 2 → 0, for an odd n the other way round. These are the pure rules: the oracle, the trajectory and the
 * simulated responder are built on them; the scheduler never applies them to decide anything.
 */

/** Pegs from bottom to top. */
export type Pegs = readonly (readonly number[])[];
/** `[disk, from, to]`. */
export type Move = readonly [number, number, number];
/** +1 for 0 → 1 → 2 → 0, -1 for 0 → 2 → 1 → 0. */
export type Direction = 1 | -1;

/** The direction disk 1 travels for n disks so the tower ends on peg 2. */
export function directionFor(disks: number): Direction {
  return disks % 2 === 0 ? 1 : -1;
}

/** The starting state: all disks on peg 0. */
export function initialPegs(disks: number): number[][] {
  return [Array.from({ length: disks }, (_, i) => disks - i), [], []];
}

/** True when every disk is on peg 2 in order. */
export function isGoal(pegs: Pegs, disks: number): boolean {
  const last = pegs[2];
  return pegs[0]!.length === 0 && pegs[1]!.length === 0 && last!.length === disks && last!.every((disk, i) => disk === disks - i);
}

/** The strategy's move from a state and the previous move; undefined when no legal move exists. */
export function strategyMove(pegs: Pegs, previous: Move | null, direction: Direction): Move | undefined {
  const onePeg = topOf(pegs, 0) === 1 ? 0 : topOf(pegs, 1) === 1 ? 1 : topOf(pegs, 2) === 1 ? 2 : -1;
  if (onePeg < 0) return undefined;
  if (previous === null || previous[0] !== 1) return [1, onePeg, (onePeg + direction + 3) % 3];
  // The two other pegs, in order.
  const a = onePeg === 0 ? 1 : 0;
  const b = onePeg === 2 ? 1 : 2;
  const topA = topOf(pegs, a);
  const topB = topOf(pegs, b);
  if (topA === undefined && topB === undefined) return undefined;
  if (topB === undefined || (topA !== undefined && topA < topB)) return [topA!, a, b];
  return [topB, b, a];
}

/** The disk on top of a peg, if any. */
function topOf(pegs: Pegs, peg: number): number | undefined {
  const disks = pegs[peg]!;
  return disks[disks.length - 1];
}

/** The state after a move (no legality check). */
export function applyMove(pegs: Pegs, move: Move): number[][] {
  const next: number[][] = [];
  for (const peg of pegs) next.push(peg.slice());
  const [disk, from, to] = move;
  const source = next[from]!;
  const index = source.lastIndexOf(disk);
  if (index >= 0) source.splice(index, 1);
  next[to]!.push(disk);
  return next;
}

/** Moves of disk `d` among the first `moves` moves of the optimal solution. */
function movesOfDisk(disk: number, moves: number): number {
  const period = 2 ** disk;
  return Math.floor((moves + period / 2) / period);
}

/** The peg disk `d` sits on after `moves` optimal moves. */
function pegOfDisk(disk: number, moves: number, disks: number): number {
  const direction = directionFor(disks) * (disk % 2 === 1 ? 1 : -1);
  return (((movesOfDisk(disk, moves) * direction) % 3) + 3) % 3;
}

/** The optimal trajectory's state after `moves` moves, in O(n). */
export function pegsAfter(disks: number, moves: number): number[][] {
  const pegs: number[][] = [[], [], []];
  for (let disk = disks; disk >= 1; disk--) pegs[pegOfDisk(disk, moves, disks)]!.push(disk);
  return pegs;
}

/** The optimal trajectory's move number `moves` (1-based), or null for 0. */
export function moveNumber(disks: number, moves: number): Move | null {
  if (moves === 0) return null;
  let disk = 1;
  while (moves % 2 ** disk === 0) disk++;
  return [disk, pegOfDisk(disk, moves - 1, disks), pegOfDisk(disk, moves, disks)];
}

/** Renders pegs as the answer format writes them: `[[3, 2], [], [1]]`. */
export function formatPegs(pegs: Pegs): string {
  let text = '[';
  for (let i = 0; i < pegs.length; i++) text += `${i === 0 ? '[' : ', ['}${pegs[i]!.join(', ')}]`;
  return `${text}]`;
}

/** Renders a move as `[1, 0, 2]`. */
export function formatMove(move: Move): string {
  return `[${move[0]}, ${move[1]}, ${move[2]}]`;
}
