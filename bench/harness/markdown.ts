/** Small helpers for the markdown tables in results/: aligned tables and consistent number formats. */

/** A column: header and alignment. */
export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
}

/** A markdown table; numbers should already be formatted. */
export function table(columns: readonly (Column | string)[], rows: readonly (readonly (string | number)[])[]): string {
  const cols = columns.map((column) => (typeof column === 'string' ? { header: column, align: 'right' as const } : column));
  const cells = rows.map((row) => row.map((cell) => String(cell).replaceAll('|', '\\|')));
  const head = `| ${cols.map((column) => column.header.replaceAll('|', '\\|')).join(' | ')} |`;
  const rule = `|${cols.map((column) => (column.align === 'left' ? ':---' : '---:')).join('|')}|`;
  return [head, rule, ...cells.map((row) => `| ${row.join(' | ')} |`)].join('\n');
}

/** An integer with thousands separators. */
export function int(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** A number with a fixed count of decimals. */
export function fixed(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : String(value);
}

/** A probability as a percentage. */
export function percent(value: number, digits = 1): string {
  return Number.isFinite(value) ? `${(value * 100).toFixed(digits)}%` : String(value);
}

/** A small probability in a readable form: `0`, `3.2e-5`, `0.0123`. */
export function probability(value: number): string {
  if (value === 0) return '0';
  if (!Number.isFinite(value)) return String(value);
  if (value < 1e-3) return value.toExponential(1);
  return value.toPrecision(3);
}

/** Dollars: two significant figures below a cent, cents below $100, whole dollars above. */
export function dollars(value: number): string {
  if (value > 0 && value < 0.01) return `$${value.toPrecision(2)}`;
  return value < 100 ? `$${value.toFixed(2)}` : `$${int(value)}`;
}

/** A confidence interval `[low, high]` in the probability format. */
export function interval(low: number, high: number): string {
  return `[${probability(low)}, ${probability(high)}]`;
}
