export { createHanoiTask, hanoiStateAt, MAX_DISKS, type HanoiOptions, type HanoiState } from './task.ts';
export { parseHanoi, answerKey, type HanoiAnswer } from './parser.ts';
export { hanoiSim, answerText } from './sim.ts';
export * from './rules.ts';
export { createFlatHanoiTask, flatSolution, hanoiFlatSim, movesKey, movesText, parseFlatHanoi, solvesHanoi, type FlatHanoiOptions, type FlatHanoiState } from './flat.ts';
