/**
 * Plain-text output for the planning commands (`kmin`, `estimate`, `plan`, `calibrate`): aligned label/value
 * lines and small column tables, plus number formats that keep probabilities near 1 readable.
 */

/** `label  value` lines with the values aligned. */
export function labelled(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${label.padEnd(width)}  ${value}\n`).join('');
}

/** A table with a header row; columns are left-aligned except those named in `right`. */
export function columns(header: readonly string[], rows: readonly (readonly string[])[], right: readonly number[] = []): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (right.includes(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [header, ...rows].map((cells) => `${line(cells)}\n`).join('');
}

/** A probability; values within 1e-4 of 1 are shown as `1 - 1.23e-9` so their failure rate stays visible. */
export function probability(value: number): string {
  if (value < 1 && value > 0.9999) return `1 - ${(1 - value).toExponential(2)}`;
  if (value > 0 && value < 1e-4) return value.toExponential(2);
  return Number(value.toPrecision(6)).toString();
}

/** An integer with thousands separators. */
export function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** A real number with a few significant digits and thousands separators. */
export function amount(value: number, digits = 4): string {
  return value.toLocaleString('en-US', { maximumSignificantDigits: digits });
}

/** US dollars: cents below $1,000, whole dollars above, three significant digits below a cent. */
export function dollars(value: number): string {
  if (value > 0 && value < 0.01) return `$${value.toPrecision(3)}`;
  return `$${value.toLocaleString('en-US', { minimumFractionDigits: value < 1000 ? 2 : 0, maximumFractionDigits: value < 1000 ? 2 : 0 })}`;
}
