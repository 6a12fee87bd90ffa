/**
 * A seeded generator of expressions with an exact composition depth and a target curvature mix. It builds
 * top-down from a need (curvature, sign constraint, exact depth), choosing among productions that satisfy it,
 * and checks every candidate with the labeller, so the labels it reports are the labeller's, never its own.
 *
 * Tricky cases are deliberate: sign-dependent monotonicity (`square(-exp(x))` is CONVEX, `square(exp(x) - 1)`
 * is not), `xexp` of an argument of unknown sign, scaling by a constant of unknown sign (`log(3) * exp(x)`),
 * and slips that break DCP at a level drawn uniformly along the spine (an increasing convex atom applied to a
 * concave argument, a difference of convex terms, a product of two non-constant expressions).
 */
import { InputError } from '../../core/errors.ts';
import { randomStream, type Random } from '../../core/rng.ts';
import { binary, call, children, constant, negate, power, variable, type CallNode, type Expr } from './ast.ts';
import { compositionDepth } from './depth.ts';
import { labelNode } from './dcp-labeller.ts';
import { CURVATURES, isNonneg, isNonpos, type Curvature, type Label, type Sign } from './labels.ts';
import { printExpression } from './printer.ts';

/** A constraint on a generated node's sign. */
type SignNeed = 'any' | 'nonneg' | 'nonpos' | 'unknown';

interface Need {
  readonly curvature: Curvature;
  readonly sign: SignNeed;
}

/** A way to build a node meeting a need at an exact depth. */
interface Production {
  readonly name: string;
  /** Sign-dependent monotonicity or a deliberate trap; chosen with probability `trickyRate` where one fits. */
  readonly tricky?: boolean;
  /** Relative weight among the productions that fit. @default 1 */
  readonly weight?: number;
  readonly minDepth: number;
  readonly maxDepth?: number;
  /** Sign needs (besides `any`) the production can meet at depth `d`. */
  readonly signs: readonly SignNeed[] | ((d: number) => readonly SignNeed[]);
  readonly build: (d: number, sign: SignNeed) => Expr;
}

/** Options of `generateExpressions`. */
export interface GeneratorOptions {
  /** Exact composition depth of every expression (nesting of atom applications), >= 1. */
  readonly depth: number;
  /** Number of expressions, >= 1. */
  readonly count: number;
  /** Run seed; expression `i` draws from a stream derived from (seed, depth, i). @default 1 */
  readonly seed?: number;
  /** Target share of each curvature label (normalized; counts are apportioned exactly). @default DEFAULT_LABEL_MIX */
  readonly mix?: Readonly<Partial<Record<Curvature, number>>>;
  /** Probability of preferring a tricky production (sign-dependent monotonicity, traps) where one fits. @default 0.35 */
  readonly trickyRate?: number;
  /** Probability of wrapping a node in an affine operator at the same depth. @default 0.2 */
  readonly wrapRate?: number;
}

/** Options of `generateExpressions` with every default resolved. */
export interface ResolvedGeneratorOptions {
  readonly depth: number;
  readonly count: number;
  readonly seed: number;
  readonly mix: Readonly<Record<Curvature, number>>;
  readonly trickyRate: number;
  readonly wrapRate: number;
}

/** One generated expression with its DCP label (from the labeller) and exact depth. */
export interface GeneratedExpression {
  readonly expr: Expr;
  /** Canonical text (`printExpression`). */
  readonly text: string;
  readonly curvature: Curvature;
  readonly sign: Sign;
  readonly depth: number;
}

/** The default curvature mix: mostly the three labels ConvexBench asks about, a few AFFINE and CONSTANT. */
export const DEFAULT_LABEL_MIX: Readonly<Record<Curvature, number>> = {
  CONSTANT: 0.05,
  AFFINE: 0.05,
  CONVEX: 0.3,
  CONCAVE: 0.3,
  UNKNOWN: 0.3,
};

/** Largest depth the generator accepts. */
export const MAX_GENERATED_DEPTH = 1000;

/** Validates options and resolves defaults, quoting any bad value. */
export function resolveGeneratorOptions(options: GeneratorOptions): ResolvedGeneratorOptions {
  const { depth, count, seed = 1, trickyRate = 0.35, wrapRate = 0.2 } = options;
  if (!Number.isInteger(depth) || depth < 1 || depth > MAX_GENERATED_DEPTH) {
    throw new InputError(`Expected \`depth\` to be an integer from 1 to ${MAX_GENERATED_DEPTH}, got \`${depth}\``);
  }
  if (!Number.isInteger(count) || count < 1) throw new InputError(`Expected \`count\` to be an integer >= 1, got \`${count}\``);
  if (!Number.isSafeInteger(seed)) throw new InputError(`Expected \`seed\` to be a safe integer, got \`${seed}\``);
  for (const [name, value] of [['trickyRate', trickyRate], ['wrapRate', wrapRate]] as const) {
    if (!(value >= 0 && value <= 1)) throw new InputError(`Expected \`${name}\` to be in [0, 1], got \`${value}\``);
  }
  const raw = options.mix ?? DEFAULT_LABEL_MIX;
  for (const [label, weight] of Object.entries(raw)) {
    if (!(CURVATURES as readonly string[]).includes(label)) {
      throw new InputError(`Expected \`mix\` keys to be among ${CURVATURES.join(', ')}, got \`${label}\``);
    }
    if (!(typeof weight === 'number' && weight >= 0 && Number.isFinite(weight))) {
      throw new InputError(`Expected \`mix.${label}\` to be a finite number >= 0, got \`${String(weight)}\``);
    }
  }
  const total = CURVATURES.reduce((sum, c) => sum + (raw[c] ?? 0), 0);
  if (!(total > 0)) throw new InputError(`Expected \`mix\` to have a positive weight, got \`${JSON.stringify(raw)}\``);
  const mix = Object.fromEntries(CURVATURES.map((c) => [c, (raw[c] ?? 0) / total])) as Record<Curvature, number>;
  return { depth, count, seed, mix, trickyRate, wrapRate };
}

/** Exact label counts for `count` items under `mix`, by largest remainder (ties in CURVATURES order). */
export function apportion(mix: Readonly<Record<Curvature, number>>, count: number): Record<Curvature, number> {
  const quotas = CURVATURES.map((c) => ({ c, quota: mix[c] * count }));
  const counts = Object.fromEntries(quotas.map(({ c, quota }) => [c, Math.floor(quota)])) as Record<Curvature, number>;
  let left = count - CURVATURES.reduce((sum, c) => sum + counts[c], 0);
  const byRemainder = [...quotas].sort((a, b) => b.quota - Math.floor(b.quota) - (a.quota - Math.floor(a.quota)));
  for (const { c } of byRemainder) {
    if (left === 0) break;
    counts[c]++;
    left--;
  }
  return counts;
}

/**
 * Generates `count` expressions of exactly `depth`, with curvature labels in the proportions of `mix`
 * (apportioned exactly, order shuffled by the seed). Reproducible from (seed, depth, count).
 */
export function generateExpressions(options: GeneratorOptions): readonly GeneratedExpression[] {
  const resolved = resolveGeneratorOptions(options);
  const counts = apportion(resolved.mix, resolved.count);
  const targets = CURVATURES.flatMap((c) => Array.from({ length: counts[c] }, () => c));
  shuffle(targets, randomStream(resolved.seed, resolved.depth, 0x6d6978));
  return targets.map((target, index) =>
    generateExpression(target, resolved.depth, randomStream(resolved.seed, resolved.depth, index + 1), resolved),
  );
}

/** One expression of exactly `depth` whose DCP curvature is `target`, drawn from `random`. */
export function generateExpression(
  target: Curvature,
  depth: number,
  random: Random,
  options: Pick<ResolvedGeneratorOptions, 'trickyRate' | 'wrapRate'> = { trickyRate: 0.35, wrapRate: 0.2 },
): GeneratedExpression {
  const builder = new Builder(random, options.trickyRate, options.wrapRate);
  const expr = builder.generate({ curvature: target, sign: 'any' }, depth);
  const label = builder.label(expr);
  return { expr, text: printExpression(expr), curvature: label.curvature, sign: label.sign, depth: compositionDepth(expr) };
}

function shuffle<T>(items: T[], random: Random): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

function meets(sign: Sign, need: SignNeed): boolean {
  switch (need) {
    case 'any':
      return true;
    case 'nonneg':
      return isNonneg(sign);
    case 'nonpos':
      return isNonpos(sign);
    case 'unknown':
      return sign === 'UNKNOWN';
  }
}

function flip(need: SignNeed): SignNeed {
  return need === 'nonneg' ? 'nonpos' : need === 'nonpos' ? 'nonneg' : need;
}

const VARIABLES = ['x', 'y', 'z', 'u', 'v', 'w'] as const;
const LITERALS = [1, 2, 3, 0.5, 1.5, 4, 5, 10, 0.25] as const;
const SUPER_LINEAR = [3, 1.5, 6, 2.5, 5] as const;
const POWERS_OF_TWO = [2, 4, 8] as const;
const SUB_LINEAR = [0.5, 0.25, 0.75, 0.3] as const;
const NEGATIVE = [-1, -2, -0.5, -1.5] as const;
const ATTEMPTS = 60;

type Unary = Exclude<CallNode['atom'], 'maximum' | 'minimum' | 'quad_over_lin' | 'kl_div' | 'rel_entr'>;

class Builder {
  private readonly labels = new WeakMap<Expr, Label>();
  private readonly depths = new WeakMap<Expr, number>();
  private readonly productions: Readonly<Record<Curvature, readonly Production[]>>;

  constructor(
    private readonly random: Random,
    private readonly trickyRate: number,
    private readonly wrapRate: number,
  ) {
    this.productions = {
      CONSTANT: this.constantProductions(),
      AFFINE: this.affineProductions(),
      CONVEX: this.curvedProductions('CONVEX'),
      CONCAVE: this.curvedProductions('CONCAVE'),
      UNKNOWN: this.unknownProductions(),
    };
  }

  /** The labeller's label, memoized per node object (subtrees are shared and immutable). */
  label(expr: Expr): Label {
    const hit = this.labels.get(expr);
    if (hit !== undefined) return hit;
    const label = labelNode(expr, children(expr).map((child) => this.label(child)));
    this.labels.set(expr, label);
    return label;
  }

  private depth(expr: Expr): number {
    const hit = this.depths.get(expr);
    if (hit !== undefined) return hit;
    const deepest = Math.max(0, ...children(expr).map((child) => this.depth(child)));
    const depth = expr.kind === 'call' || expr.kind === 'power' ? deepest + 1 : deepest;
    this.depths.set(expr, depth);
    return depth;
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  private pickWeighted(items: readonly Production[]): Production {
    const total = items.reduce((sum, p) => sum + (p.weight ?? 1), 0);
    let r = this.random() * total;
    for (const item of items) {
      r -= item.weight ?? 1;
      if (r < 0) return item;
    }
    return items[items.length - 1]!;
  }

  private chance(p: number): boolean {
    return this.random() < p;
  }

  /** A node meeting `need` at exactly depth `d`, checked against the labeller. */
  generate(need: Need, d: number): Expr {
    if (!this.feasible(need, d)) throw new Error(`generator: no ${need.curvature}/${need.sign} expression has depth ${d}`);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const candidate = this.propose(need, d);
      const label = this.label(candidate);
      if (this.depth(candidate) === d && label.curvature === need.curvature && meets(label.sign, need.sign)) return candidate;
    }
    throw new Error(`generator: could not build ${need.curvature}/${need.sign} at depth ${d}`);
  }

  private feasible(need: Need, d: number): boolean {
    switch (need.curvature) {
      case 'CONSTANT':
        return d >= 0;
      case 'AFFINE':
        return need.sign === 'any' || need.sign === 'unknown';
      case 'CONVEX':
      case 'CONCAVE':
        return d >= 1;
      case 'UNKNOWN':
        return d >= 1 || need.sign === 'any' || need.sign === 'unknown';
    }
  }

  private propose(need: Need, d: number): Expr {
    const fits = this.productions[need.curvature].filter((p) => {
      if (d < p.minDepth || (p.maxDepth !== undefined && d > p.maxDepth)) return false;
      const signs = typeof p.signs === 'function' ? p.signs(d) : p.signs;
      return need.sign === 'any' || signs.includes(need.sign);
    });
    if (fits.length === 0) throw new Error(`generator: no production for ${need.curvature}/${need.sign} at depth ${d}`);
    const wrappers = fits.filter((p) => p.name.startsWith('wrap:'));
    const atoms = fits.filter((p) => !p.name.startsWith('wrap:'));
    let pool = atoms.length > 0 && !(wrappers.length > 0 && this.chance(this.wrapRate)) ? atoms : wrappers;
    if (pool.length === 0) pool = fits;
    const tricky = pool.filter((p) => p.tricky === true);
    const plain = pool.filter((p) => p.tricky !== true);
    const chosen = tricky.length > 0 && (plain.length === 0 || this.chance(this.trickyRate)) ? tricky : plain;
    return this.pickWeighted(chosen).build(d, need.sign);
  }

  // ---- leaves and side arguments -------------------------------------------------------------------------

  private literal(): Expr {
    return constant(this.pick(LITERALS));
  }

  private variable(): Expr {
    return variable(this.pick(VARIABLES));
  }

  private otherVariable(not: Expr): Expr {
    const name = not.kind === 'variable' ? not.name : '';
    return variable(this.pick(VARIABLES.filter((v) => v !== name)));
  }

  /** A depth-0 affine, non-constant expression: `x`, `2 * y`, `x - 1`, `-z`, `u / 4`, `x + y`. */
  private affineLeaf(): Expr {
    const v = this.variable();
    switch (Math.floor(this.random() * 7)) {
      case 0:
        return binary('*', this.literal(), v);
      case 1:
        return binary(this.chance(0.5) ? '+' : '-', v, this.literal());
      case 2:
        return negate(v);
      case 3:
        return binary('/', v, this.literal());
      case 4:
        return binary(this.chance(0.5) ? '+' : '-', v, this.otherVariable(v));
      default:
        return v;
    }
  }

  /** A depth-0 constant meeting a sign need. */
  private constantLeaf(sign: SignNeed): Expr {
    const need = sign === 'any' ? this.pick(['nonneg', 'nonpos', 'unknown'] as const) : sign;
    if (need === 'nonneg') return this.literal();
    if (need === 'nonpos') return negate(this.literal());
    const a = this.pick(LITERALS);
    const b = this.pick(LITERALS.filter((x) => x !== a));
    return binary('-', constant(a), constant(b));
  }

  /** A node that must be convex (CONVEX or, when allowed, AFFINE) at exactly depth `d`. */
  private convexArg(d: number, sign: SignNeed): Expr {
    return this.curvedArg('CONVEX', d, sign);
  }

  private concaveArg(d: number, sign: SignNeed): Expr {
    return this.curvedArg('CONCAVE', d, sign);
  }

  private curvedArg(curvature: 'CONVEX' | 'CONCAVE', d: number, sign: SignNeed): Expr {
    const affineOk = sign === 'any' || sign === 'unknown';
    if (d === 0) {
      if (!affineOk) throw new Error(`generator: no ${curvature}-compatible ${sign} argument at depth 0`);
      return this.affineLeaf();
    }
    if (affineOk && this.chance(0.05)) return this.generate({ curvature: 'AFFINE', sign }, d);
    return this.generate({ curvature, sign }, d);
  }

  /** A shallow side argument (depth <= min(maxDepth, 1)) compatible with `curvature`, meeting `sign`. */
  private side(curvature: 'CONVEX' | 'CONCAVE', sign: SignNeed, maxDepth: number): Expr {
    if (maxDepth >= 1 && this.chance(0.25)) return this.generate({ curvature, sign }, 1);
    if (sign === 'nonneg' || sign === 'nonpos') return this.constantLeaf(sign);
    return this.chance(0.7) ? this.affineLeaf() : this.constantLeaf(sign);
  }

  /** A side argument of any curvature: a leaf, mostly. */
  private anyLeaf(): Expr {
    return this.chance(0.7) ? this.variable() : this.literal();
  }

  private placeMain(main: Expr, others: readonly Expr[]): Expr[] {
    const args = [...others];
    args.splice(Math.floor(this.random() * (args.length + 1)), 0, main);
    return args;
  }

  private scaled(main: Expr): Expr {
    const c = this.literal();
    switch (Math.floor(this.random() * 3)) {
      case 0:
        return binary('*', c, main);
      case 1:
        return binary('*', main, c);
      default:
        return binary('/', main, c);
    }
  }

  private unary(atom: Unary, arg: Expr): Expr {
    return call(atom, [arg]);
  }

  // ---- productions -----------------------------------------------------------------------------------------

  private constantProductions(): readonly Production[] {
    return [
      { name: 'literal', minDepth: 0, maxDepth: 0, signs: ['nonneg', 'nonpos', 'unknown'], build: (_d, s) => this.constantLeaf(s) },
      {
        name: 'nonneg-atom',
        minDepth: 1,
        signs: ['nonneg'],
        build: (d) => {
          const inner = this.generate({ curvature: 'CONSTANT', sign: 'any' }, d - 1);
          if (this.chance(0.2)) return power(inner, this.pick([...SUPER_LINEAR, ...POWERS_OF_TWO, ...NEGATIVE]));
          return this.unary(this.pick(['exp', 'logistic', 'square', 'abs', 'pos', 'neg', 'huber'] as const), inner);
        },
      },
      {
        name: 'sqrt-like',
        minDepth: 1,
        signs: ['nonneg'],
        build: (d) => this.unary(this.pick(['sqrt', 'inv_pos'] as const), this.generate({ curvature: 'CONSTANT', sign: 'nonneg' }, d - 1)),
      },
      {
        name: 'log-like',
        minDepth: 1,
        signs: ['unknown'],
        build: (d) => this.unary(this.pick(['log', 'entr'] as const), this.generate({ curvature: 'CONSTANT', sign: 'nonneg' }, d - 1)),
      },
      {
        name: 'wrap:negate',
        minDepth: 1,
        signs: ['nonpos', 'unknown'],
        build: (d, s) => negate(this.generate({ curvature: 'CONSTANT', sign: s === 'any' ? 'nonneg' : flip(s) }, d)),
      },
    ];
  }

  private affineProductions(): readonly Production[] {
    const signs: readonly SignNeed[] = ['unknown'];
    return [
      { name: 'leaf', minDepth: 0, maxDepth: 0, signs, build: () => this.affineLeaf() },
      { name: 'power-one', weight: 0.5, minDepth: 1, signs, build: (d) => power(this.generate({ curvature: 'AFFINE', sign: 'any' }, d - 1), 1) },
      {
        name: 'plus-constant',
        minDepth: 1,
        signs,
        build: (d) => {
          const c = this.generate({ curvature: 'CONSTANT', sign: 'any' }, d);
          const a = this.affineLeaf();
          return this.chance(0.5) ? binary('+', a, c) : binary(this.chance(0.5) ? '+' : '-', c, a);
        },
      },
      {
        name: 'constant-times',
        tricky: true,
        minDepth: 1,
        signs,
        build: (d) => {
          const c = this.generate({ curvature: 'CONSTANT', sign: 'any' }, d);
          const a = this.variable();
          return this.chance(0.5) ? binary('*', c, a) : binary('*', a, c);
        },
      },
      { name: 'wrap:negate', minDepth: 1, signs, build: (d) => negate(this.generate({ curvature: 'AFFINE', sign: 'any' }, d)) },
    ];
  }

  /** Productions for CONVEX, and by mirror image for CONCAVE. */
  private curvedProductions(curvature: 'CONVEX' | 'CONCAVE'): readonly Production[] {
    const convex = curvature === 'CONVEX';
    const other = convex ? 'CONCAVE' : 'CONVEX';
    const same = (d: number, s: SignNeed): Expr => this.curvedArg(curvature, d, s);
    const opposite = (d: number, s: SignNeed): Expr => this.curvedArg(other, d, s);
    const wrappers: Production[] = [
      { name: 'wrap:scale', minDepth: 1, signs: ['nonneg', 'nonpos', 'unknown'], build: (d, s) => this.scaled(this.generate({ curvature, sign: s }, d)) },
      { name: 'wrap:negate', minDepth: 1, signs: ['nonneg', 'nonpos', 'unknown'], build: (d, s) => negate(this.generate({ curvature: other, sign: flip(s) }, d)) },
      {
        name: 'wrap:negative-scale',
        tricky: true,
        minDepth: 1,
        signs: ['nonneg', 'nonpos', 'unknown'],
        build: (d, s) => binary('*', negate(this.literal()), this.generate({ curvature: other, sign: flip(s) }, d)),
      },
      {
        name: 'wrap:sum',
        minDepth: 1,
        signs: ['nonneg', 'nonpos', 'unknown'],
        build: (d, s) => {
          const main = this.generate({ curvature, sign: s }, d);
          const term = this.side(curvature, s === 'unknown' ? 'any' : s, d);
          return this.chance(0.5) ? binary('+', main, term) : binary('+', term, main);
        },
      },
      {
        name: 'wrap:difference',
        minDepth: 1,
        signs: ['nonneg', 'nonpos', 'unknown'],
        build: (d, s) => binary('-', this.generate({ curvature, sign: s }, d), this.side(other, s === 'unknown' ? 'any' : flip(s), d)),
      },
      {
        name: 'wrap:shift',
        minDepth: 1,
        signs: ['unknown'],
        build: (d) => {
          const nonneg = this.generate({ curvature, sign: 'nonneg' }, d);
          return this.chance(0.5) ? binary('-', nonneg, this.literal()) : binary('+', nonneg, negate(this.literal()));
        },
      },
      {
        name: 'power-one',
        weight: 0.2,
        minDepth: 2,
        signs: ['nonneg', 'nonpos', 'unknown'],
        build: (d, s) => power(this.generate({ curvature, sign: s }, d - 1), 1),
      },
    ];
    if (convex) {
      return [
        ...wrappers,
        { name: 'increasing', minDepth: 1, signs: ['nonneg'], build: (d) => this.unary(this.pick(['exp', 'logistic', 'pos'] as const), same(d - 1, 'any')) },
        { name: 'super-linear', minDepth: 1, signs: ['nonneg'], build: (d) => power(same(d - 1, 'any'), this.pick(SUPER_LINEAR)) },
        {
          name: 'decreasing',
          minDepth: 1,
          signs: ['nonneg'],
          build: (d) => (this.chance(0.3) ? power(opposite(d - 1, 'any'), this.pick(NEGATIVE)) : this.unary(this.pick(['inv_pos', 'neg'] as const), opposite(d - 1, 'any'))),
        },
        { name: 'even-affine', minDepth: 1, maxDepth: 1, signs: ['nonneg'], build: () => this.evenAtom(this.affineLeaf()) },
        {
          name: 'even-signed',
          tricky: true,
          minDepth: 2,
          signs: ['nonneg'],
          build: (d) => this.evenAtom(this.chance(0.5) ? same(d - 1, 'nonneg') : opposite(d - 1, 'nonpos')),
        },
        { name: 'xexp-nonneg', tricky: true, minDepth: 2, signs: ['nonneg'], build: (d) => this.unary('xexp', same(d - 1, 'nonneg')) },
        {
          name: 'maximum',
          minDepth: 1,
          signs: (d) => (d >= 2 ? ['nonneg', 'nonpos', 'unknown'] : ['nonneg', 'unknown']),
          build: (d, s) => call('maximum', this.extremumArgs(curvature, d, s)),
        },
        {
          name: 'quad-over-lin',
          minDepth: 1,
          signs: ['nonneg'],
          build: (d) => {
            if (d === 1 || this.chance(0.5)) {
              const numerator = d === 1 ? this.affineLeaf() : this.chance(0.5) ? same(d - 1, 'nonneg') : opposite(d - 1, 'nonpos');
              return call('quad_over_lin', [numerator, this.chance(0.5) ? this.literal() : this.affineLeaf()]);
            }
            return call('quad_over_lin', [this.affineLeaf(), opposite(d - 1, 'any')]);
          },
        },
        { name: 'kl-div', minDepth: 1, maxDepth: 1, signs: ['nonneg'], build: () => call('kl_div', [this.affineLeaf(), this.affineLeaf()]) },
        { name: 'rel-entr', minDepth: 1, signs: ['unknown'], build: (d) => call('rel_entr', [this.affineLeaf(), opposite(d - 1, 'any')]) },
      ];
    }
    return [
      ...wrappers,
      { name: 'log', minDepth: 1, signs: ['unknown'], build: (d) => this.unary('log', same(d - 1, 'any')) },
      {
        name: 'log1p',
        minDepth: 1,
        signs: (d) => (d >= 2 ? ['nonneg', 'nonpos', 'unknown'] : ['unknown']),
        build: (d, s) => this.unary('log1p', same(d - 1, s)),
      },
      {
        name: 'sub-linear',
        minDepth: 1,
        signs: ['nonneg'],
        build: (d) => (this.chance(0.5) ? this.unary('sqrt', same(d - 1, 'any')) : power(same(d - 1, 'any'), this.pick(SUB_LINEAR))),
      },
      {
        name: 'minimum',
        minDepth: 1,
        signs: (d) => (d >= 2 ? ['nonneg', 'nonpos', 'unknown'] : ['nonpos', 'unknown']),
        build: (d, s) => call('minimum', this.extremumArgs(curvature, d, s)),
      },
      { name: 'entr', minDepth: 1, maxDepth: 1, signs: ['unknown'], build: () => this.unary('entr', this.affineLeaf()) },
    ];
  }

  private evenAtom(arg: Expr): Expr {
    return this.chance(0.25) ? power(arg, this.pick(POWERS_OF_TWO)) : this.unary(this.pick(['square', 'abs', 'huber'] as const), arg);
  }

  /** Arguments of `maximum` (CONVEX) or `minimum` (CONCAVE) at depth `d` meeting a sign need. */
  private extremumArgs(curvature: 'CONVEX' | 'CONCAVE', d: number, s: SignNeed): Expr[] {
    const main = (sign: SignNeed): Expr => this.curvedArg(curvature, d - 1, sign);
    // maximum is nonnegative if any argument is, nonpositive if all are; minimum the mirror.
    const dominant: SignNeed = curvature === 'CONVEX' ? 'nonneg' : 'nonpos';
    const extra = this.chance(0.2) ? [this.anyLeaf()] : [];
    if (s === dominant) return this.placeMain(main('any'), [this.constantLeaf(dominant)]);
    if (s === flip(dominant)) return this.placeMain(main(s), [this.constantLeaf(s)]);
    if (s === 'unknown') return this.placeMain(main('unknown'), [this.variable()]);
    return this.placeMain(main('any'), [this.side(curvature, 'any', d - 1), ...extra]);
  }

  private unknownProductions(): readonly Production[] {
    return [
      {
        name: 'product-leaf',
        minDepth: 0,
        maxDepth: 0,
        signs: ['unknown'],
        build: () => {
          const a = this.variable();
          const b = this.otherVariable(a);
          return this.pick([binary('*', a, b), binary('/', a, b), binary('/', this.literal(), a), binary('*', a, this.affineLeaf())]);
        },
      },
      { name: 'spine', minDepth: 1, signs: ['nonneg', 'unknown'], build: (d, s) => this.unknownSpine(d, s) },
      { name: 'wrap:negate', minDepth: 1, signs: ['nonpos'], build: (d) => negate(this.generate({ curvature: 'UNKNOWN', sign: 'nonneg' }, d)) },
    ];
  }

  /**
   * An UNKNOWN node at depth `d`: the slip that breaks DCP sits at this level with probability 1/(d+1), else
   * below it (an atom of an UNKNOWN argument is UNKNOWN). That places the slip uniformly on levels 0..d.
   */
  private unknownSpine(d: number, s: SignNeed): Expr {
    if (this.chance(1 / (d + 1))) {
      const options = this.slips(d, s);
      const tricky = options.filter((o) => o.tricky);
      const plain = options.filter((o) => !o.tricky);
      const pool = tricky.length > 0 && (plain.length === 0 || this.chance(this.trickyRate)) ? tricky : plain;
      if (pool.length > 0) return this.pick(pool).build();
    }
    const above = this.anyAtom(this.generate({ curvature: 'UNKNOWN', sign: 'any' }, d - 1), s);
    if (s === 'any' && this.chance(this.wrapRate)) return this.chance(0.5) ? this.scaled(above) : binary('+', above, this.anyLeaf());
    return above;
  }

  /** Ways to break DCP at level `d` on top of valid (CONVEX, CONCAVE or AFFINE) material, by sign need. */
  private slips(d: number, s: SignNeed): Array<{ readonly tricky: boolean; readonly build: () => Expr }> {
    const e = d - 1;
    const curved = (curvature: 'CONVEX' | 'CONCAVE', sign: SignNeed = 'any'): Expr => this.generate({ curvature, sign }, e);
    const valid = (): Expr => this.generate({ curvature: this.pick(['CONVEX', 'CONCAVE'] as const), sign: 'any' }, d);
    const options: Array<{ readonly tricky: boolean; readonly build: () => Expr }> = [];
    if ((s === 'any' || s === 'nonneg') && e >= 1) {
      // Sign slips: an even atom is monotone only where its argument's sign is known.
      options.push({
        tricky: true,
        build: () =>
          this.evenAtom(
            this.pick([
              () => curved('CONVEX', 'unknown'),
              () => curved('CONCAVE', 'unknown'),
              () => curved('CONVEX', 'nonpos'),
              () => curved('CONCAVE', 'nonneg'),
            ])(),
          ),
      });
      // Curvature slips: an increasing convex atom of a concave argument, a decreasing one of a convex argument.
      options.push({ tricky: false, build: () => this.unary(this.pick(['exp', 'logistic', 'pos'] as const), curved('CONCAVE')) });
      options.push({ tricky: false, build: () => power(curved('CONCAVE'), this.pick(SUPER_LINEAR)) });
      options.push({ tricky: false, build: () => this.unary(this.pick(['inv_pos', 'neg', 'sqrt'] as const), curved('CONVEX')) });
    }
    if (s === 'any' || s === 'unknown') {
      if (e >= 1) {
        options.push({ tricky: false, build: () => this.unary('log', curved('CONVEX')) });
        options.push({ tricky: false, build: () => this.unary('entr', curved(this.pick(['CONVEX', 'CONCAVE'] as const))) });
        options.push({ tricky: true, build: () => this.unary('xexp', curved('CONVEX', this.pick(['unknown', 'nonpos'] as const))) });
      } else {
        options.push({ tricky: true, build: () => this.unary('xexp', this.affineLeaf()) });
      }
      // Above a valid node at this depth: adding a term of the opposite curvature, or subtracting one of the same.
      options.push({
        tricky: false,
        build: () => {
          const main = valid();
          const term = this.generate({ curvature: this.pick(['CONVEX', 'CONCAVE'] as const), sign: 'any' }, 1);
          return this.label(term).curvature !== this.label(main).curvature ? binary('+', main, term) : binary('-', main, term);
        },
      });
      // A product or quotient of two non-constant expressions.
      options.push({
        tricky: false,
        build: () => {
          const main = this.chance(0.2) ? this.generate({ curvature: 'AFFINE', sign: 'any' }, d) : valid();
          return this.pick([binary('*', main, this.variable()), binary('*', this.affineLeaf(), main), binary('/', main, this.variable()), binary('/', this.literal(), main)]);
        },
      });
      // Scaling by a constant of unknown sign (`log(3) * exp(x)`): neither nondecreasing nor nonincreasing.
      options.push({
        tricky: true,
        build: () => {
          const c = this.generate({ curvature: 'CONSTANT', sign: 'unknown' }, this.chance(0.5) ? 0 : 1);
          const main = valid();
          return this.chance(0.5) ? binary('*', c, main) : binary('*', main, c);
        },
      });
    }
    return options;
  }

  /** Some atom applied to `inner` (other arguments are leaves), whose result meets the sign need. */
  private anyAtom(inner: Expr, s: SignNeed): Expr {
    const nonnegAtoms: Array<() => Expr> = [
      () => this.unary(this.pick(['exp', 'logistic', 'square', 'sqrt', 'abs', 'pos', 'neg', 'inv_pos', 'huber'] as const), inner),
      () => power(inner, this.pick([...SUPER_LINEAR, ...POWERS_OF_TWO, ...SUB_LINEAR, ...NEGATIVE])),
      () => call(this.pick(['kl_div', 'quad_over_lin'] as const), this.placeMain(inner, [this.anyLeaf()])),
      () => call('maximum', this.placeMain(inner, [this.literal()])),
    ];
    const unknownAtoms: Array<() => Expr> = [
      () => this.unary(this.pick(['log', 'entr'] as const), inner),
      () => call('rel_entr', this.placeMain(inner, [this.anyLeaf()])),
      () => call('minimum', this.placeMain(inner, [this.variable()])),
    ];
    const pool = s === 'nonneg' ? nonnegAtoms : s === 'unknown' ? unknownAtoms : [...nonnegAtoms, ...unknownAtoms];
    return this.pick(pool)();
  }
}
