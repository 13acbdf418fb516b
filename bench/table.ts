/** Benchmark tables as Markdown, so a run's output pastes into docs/benchmarks.md unchanged. */

const NUMERIC = /^[-+]?[\d.,]+(\s?(x|%|ms|s|MiB|GiB|MiB\/s|KiB))?$/;

/** Prints rows[0] as the header; columns whose cells are all numbers are right-aligned. */
export function printTable(rows: readonly (readonly string[])[], write: (text: string) => void = (t) => process.stdout.write(t)): void {
  const [header, ...body] = rows;
  if (!header) return;
  const widths = header.map((_, i) => Math.max(3, ...rows.map((r) => (r[i] ?? '').length)));
  const right = header.map((_, i) => body.length > 0 && body.every((r) => r[i] === undefined || r[i] === '-' || NUMERIC.test(r[i] ?? '')));
  const line = (cells: readonly string[]): string =>
    `| ${header.map((_, i) => (right[i] ? (cells[i] ?? '').padStart(widths[i]!) : (cells[i] ?? '').padEnd(widths[i]!))).join(' | ')} |\n`;
  write(line(header));
  write(`|${widths.map((w, i) => (right[i] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|\n`);
  for (const r of body) write(line(r));
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
