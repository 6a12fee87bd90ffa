// Property-based regression tests of an LLM step: the Hanoi step of maker-ts. Copy this file, put your own task
// (or step function) and endpoint in, run `RECORD=1 npx vitest run <this file>` once, and commit the cassette:
// CI then replays it offline, and a changed prompt fails naming the request the cassette has no answer for.
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSimModel } from '../../index.ts';
import { measureMetamorphic, measureStep, recordingModel, replayModel } from '../index.ts';
import '../vitest.ts';
import { answerKey, createHanoiTask, hanoiSim, hanoiStateAt, type HanoiState, type Move } from '../../tasks/hanoi/index.ts';

const DISKS = 8;
const task = createHanoiTask({ disks: DISKS });

// The model under test (here the simulated gpt-4.1-mini; yours: createOpenAIModel({ model, baseURL, apiKey })).
const live = () => createSimModel({ profile: 'gpt-4.1-mini', behaviour: hanoiSim, seed: 1 });
const cassette = join(import.meta.dirname, 'hanoi-step.cassette.jsonl');
const model = process.env['RECORD'] === '1' ? recordingModel(live(), cassette) : replayModel(cassette);

// Any step of the 8-disk solution: fast-check draws them, and shrinks a failing one towards step 0.
const steps = fc.integer({ min: 0, max: 2 ** DISKS - 2 }).map((step) => ({ state: hanoiStateAt(DISKS, step), step }));

// Pegs relabelled round the cycle (0 -> 1 -> 2 -> 0): the strategy does not care which peg is called what.
const rotate = (peg: number) => (peg + 1) % 3;
const rotatePegs = (pegs: readonly (readonly number[])[]) => [pegs[2]!, pegs[0]!, pegs[1]!].map((peg) => [...peg]);
const rotateMove = (move: Move): Move => [move[0], rotate(move[1]), rotate(move[2])];
const rotated = ({ state, step }: { state: HanoiState; step: number }) => ({
  state: { pegs: rotatePegs(state.pegs), previous: state.previous === null ? null : rotateMove(state.previous) },
  step,
});

describe('the Hanoi step', () => {
  it('is right often enough, judged on the lower end of the 95% interval', async () => {
    const result = await measureStep({ task, model, states: steps, numStates: 40, seed: 1 });
    expect(result).toHaveSuccessAtLeast(0.9);
    expect(result).toHaveRedFlagRateAtMost(0.15);
    // The margin the planner would vote with for the whole 255-step run at 95%, from the conservative end: within budget.
    expect(result.k?.kind === 'recommended' && result.k.k).toBeLessThanOrEqual(5);
  });

  it('answers relabelled pegs with the relabelled move', async () => {
    const result = await measureMetamorphic({
      task,
      model,
      states: steps,
      numStates: 20,
      seed: 2,
      name: 'rotated pegs',
      transform: rotated,
      relate: ({ value }) => answerKey(rotateMove(value.move), rotatePegs(value.nextState)),
    });
    expect(result).toHaveSuccessAtLeast(0.8);
  });
});
