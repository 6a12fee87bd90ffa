// A task of your own: add up N numbers with one small voted call per pair; the pairs of one level are independent,
// so they are asked at the same time. Run it: npx maker run examples/pairwise-sum.ts --count 64 --k 2
import { defineTask, type GraphTask } from 'maker-ts';

type State = { readonly levels: readonly (readonly (number | null)[])[] }; // levels[l + 1][i] = levels[l][2i] + levels[l][2i + 1]
type Pair = { readonly level: number; readonly index: number };

function pairwiseSum(numbers: readonly number[]): GraphTask<State, number, Pair> {
  const top = Math.ceil(Math.log2(numbers.length));
  const at = (levels: State['levels'], level: number, index: number) => (index < levels[level]!.length ? levels[level]![index]! : 0);
  return {
    name: 'pairwise-sum',
    totalCalls: numbers.length - 1,
    initialState: () => ({ levels: [numbers, ...Array.from({ length: top }, (_, l) => Array<number | null>(2 ** (top - l - 1)).fill(null))] }),
    *ready({ levels }) {
      for (let level = 0; level < top; level++)
        for (let index = 0; index < levels[level + 1]!.length; index++) {
          const [a, b] = [at(levels, level, 2 * index), at(levels, level, 2 * index + 1)];
          if (levels[level + 1]![index] === null && a !== null && b !== null)
            yield { id: `${level}.${index}`, data: { level, index }, messages: [{ role: 'user', content: `What is ${a} + ${b}? Answer: sum = <number>` }] };
        }
    },
    parse: (text) => {
      const sum = /^sum = (-?\d+)$/m.exec(text)?.[1];
      return sum === undefined ? { ok: false, reason: 'no `sum = N` line' } : { ok: true, key: sum, value: Number(sum) };
    },
    absorb: ({ levels }, { data }, value) => ({ levels: levels.map((row, l) => (l === data.level + 1 ? row.map((x, i) => (i === data.index ? value : x)) : row)) }),
    done: ({ levels }) => levels[top]![0] !== null,
    solved: ({ levels }) => levels[top]![0] === numbers.reduce((sum, x) => sum + x, 0),
  };
}

export default defineTask<{ count: number }>({
  name: 'pairwise-sum',
  description: 'add up --count seeded numbers, one voted call per pair',
  flags: [{ name: 'count', description: 'how many numbers', placeholder: '<n>', default: '16' }],
  options: (flags) => ({ count: Number(flags['count']) }),
  build: ({ count }, { seed }) => pairwiseSum(Array.from({ length: count }, (_, i) => ((seed + 1) * 7919 * (i + 1)) % 1000)),
  // The simulated model: reads the two numbers off the prompt; its plausible slips are off by one or by ten.
  sim: {
    respond: (prompt) => {
      const [, a, b] = /What is (\d+) \+ (\d+)/.exec(prompt) ?? [];
      return a === undefined ? undefined : `sum = ${Number(a) + Number(b)}`;
    },
    wrongAnswers: (prompt) => {
      const [, a, b] = /What is (\d+) \+ (\d+)/.exec(prompt) ?? [];
      return [1, -1, 10].map((slip) => `sum = ${Number(a ?? 0) + Number(b ?? 0) + slip}`);
    },
  },
});
