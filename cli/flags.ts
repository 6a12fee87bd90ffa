/** Parsers for command-line values: the same ones task definitions validate their options with. */
export { choiceFlag, integerFlag, numberFlag } from '../tasks/option-values.ts';
