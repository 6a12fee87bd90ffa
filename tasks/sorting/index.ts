export { listKey, MAX_LIST_LENGTH, sortedValues, sortingProblem, sortingQuestion, type SortingProblem } from './problem.ts';
export { generateSortingProblems, MAX_GENERATED_LISTS, readSortingProblems, sortingFromRow, type GenerateSortingOptions } from './dataset.ts';
export { formatListAnswer, parseListAnswer } from './list-answer.ts';
export { applyNetwork, networkLayers, oddEvenMergeSortNetwork, type Comparator } from './network.ts';
export { compareMessages, compareQuestion, COMPARE_SYSTEM, FLAT_SORT_SYSTEM, flatSortingMessages } from './prompts.ts';
export { createNetworkSortTask, type CompareCallData, type NetworkSortTask, type NetworkState } from './network-task.ts';
export { createFlatSortingTask, type FlatSortingState, type FlatSortingTask } from './flat.ts';
export { createSortingTask, SORTING_STRATEGIES, type SortingStrategy, type SortingTask } from './strategies.ts';
export { listSlips, minimumComparisons, pairSlips, sortingSim } from './sim.ts';
