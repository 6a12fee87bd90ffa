/**
 * `maker convexity`: the DCP labeller and the expression generator of the convexity task.
 *   maker convexity label [FILE]                       one expression per line (stdin without FILE), JSON lines out
 *   maker convexity generate --depth D --count N --seed S [--json]
 * and `maker run convexity` (in run-convexity.ts).
 */
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { InputError } from '../core/errors.ts';
import { CURVATURES, generateExpressions, labelLine, MAX_GENERATED_DEPTH, type Curvature } from '../tasks/convexity/index.ts';
import { integerFlag, numberFlag } from './flags.ts';
import type { CommandContext } from './main.ts';

/** Where `label` reads from when no file is given; replaceable in tests. */
export const labelInput: { stdin: () => NodeJS.ReadableStream } = { stdin: () => process.stdin };

async function* linesOf(file: string | undefined): AsyncGenerator<string> {
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new InputError(`Cannot read \`${file}\`: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
    }
    const lines = text.split(/\r?\n/);
    if (lines.at(-1) === '') lines.pop();
    yield* lines;
    return;
  }
  yield* createInterface({ input: labelInput.stdin(), crlfDelay: Infinity });
}

/** Parses `--mix CONVEX=0.4,CONCAVE=0.4,UNKNOWN=0.2`. */
export function mixFlag(value: string): Partial<Record<Curvature, number>> {
  const mix: Partial<Record<Curvature, number>> = {};
  for (const part of value.split(',')) {
    const [label, weight, ...rest] = part.split('=');
    const name = label?.trim().toUpperCase() ?? '';
    if (rest.length > 0 || weight === undefined || !(CURVATURES as readonly string[]).includes(name)) {
      throw new InputError(`Expected --mix to be LABEL=WEIGHT pairs with labels among ${CURVATURES.join(', ')}, got \`${value}\``);
    }
    mix[name as Curvature] = numberFlag('mix', weight, 0, Number.MAX_VALUE);
  }
  if (!Object.values(mix).some((w) => w > 0)) throw new InputError(`Expected --mix to have a positive weight, got \`${value}\``);
  return mix;
}

/** Registers `maker convexity label`, `maker convexity generate` and `maker run convexity`. */
export function registerConvexity(program: Command, context: CommandContext): void {
  const convexity = program
    .command('convexity')
    .description('DCP convexity task: label expressions, generate expressions of exact composition depth');

  convexity
    .command('label')
    .description(
      'Label each line\'s expression with its DCP curvature and sign (CVXPY semantics; DCP is sufficient, not necessary). ' +
        'Writes one JSON object per line: {"expr","curvature","sign","depth"}, or {"expr","error","line","column"} for a bad line. ' +
        'Blank lines are skipped. Exit code 1 if any line was bad.',
    )
    .argument('[file]', 'file with one expression per line (default: stdin)')
    .action(async (file: string | undefined) => {
      let lineNumber = 0;
      let failed = 0;
      for await (const line of linesOf(file)) {
        lineNumber++;
        if (line.trim() === '') continue;
        const result = labelLine(line, lineNumber);
        if ('error' in result) failed++;
        context.stdout.write(`${JSON.stringify(result)}\n`);
      }
      if (failed > 0) context.exitCode = 1;
    });

  convexity
    .command('generate')
    .description('Generate seeded expressions of an exact composition depth with a target curvature mix')
    .requiredOption('--depth <d>', `composition depth, 1 to ${MAX_GENERATED_DEPTH}`)
    .requiredOption('--count <n>', 'number of expressions')
    .option('--seed <s>', 'seed', '1')
    .option('--mix <pairs>', 'curvature mix, e.g. CONVEX=0.3,CONCAVE=0.3,UNKNOWN=0.3,AFFINE=0.05,CONSTANT=0.05')
    .option('--tricky <rate>', 'probability of preferring sign-dependent or trap productions', '0.35')
    .option('--json', 'JSON lines {"expr","curvature","sign","depth"} instead of bare expressions')
    .action((raw: Record<string, unknown>) => {
      const depth = integerFlag('depth', String(raw['depth']), 1, MAX_GENERATED_DEPTH);
      const count = integerFlag('count', String(raw['count']), 1, 1_000_000);
      const seed = integerFlag('seed', String(raw['seed']), 0);
      const trickyRate = numberFlag('tricky', String(raw['tricky']), 0, 1);
      const mix = raw['mix'] === undefined ? undefined : mixFlag(String(raw['mix']));
      const items = generateExpressions({ depth, count, seed, trickyRate, ...(mix === undefined ? {} : { mix }) });
      for (const item of items) {
        const record = { expr: item.text, curvature: item.curvature, sign: item.sign, depth: item.depth };
        context.stdout.write(raw['json'] === true ? `${JSON.stringify(record)}\n` : `${item.text}\n`);
      }
    });
}
