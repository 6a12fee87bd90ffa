/** The scenario registry: every benchmark scenario, in suite order. */
import type { AnyScenario, ScenarioName } from '../harness/scenario.ts';
import { scalingScenario } from './scaling.ts';
import { errorVsKScenario } from './error-vs-k.ts';
import { strategiesScenario } from './strategies.ts';
import { convexityScenario } from './convexity.ts';
import { multiplicationScenario } from './multiplication.ts';
import { sortingScenario } from './sorting.ts';
import { throughputScenario } from './throughput.ts';
import { microScenario } from './micro.ts';

/** Every scenario by name, in suite order. */
export const SCENARIOS: Partial<Record<ScenarioName, AnyScenario>> = {
  scaling: scalingScenario,
  'error-vs-k': errorVsKScenario,
  strategies: strategiesScenario,
  convexity: convexityScenario,
  multiplication: multiplicationScenario,
  sorting: sortingScenario,
  throughput: throughputScenario,
  micro: microScenario,
};

/** The scenario of that name, or undefined. */
export function findScenario(name: string): AnyScenario | undefined {
  return (SCENARIOS as Record<string, AnyScenario | undefined>)[name];
}
