/**
 * A plain-text table. With `maxWidth`, the widest columns are narrowed (cells cut with "…")
 * until every line fits, so a terminal never wraps it.
 */
export function table(headers: string[], rows: (string | number | null | undefined)[][], maxWidth?: number): string {
  const cells = [headers, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const total = () => widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  while (maxWidth && total() > maxWidth) {
    const widest = widths.indexOf(Math.max(...widths));
    if ((widths[widest] ?? 0) <= 6) break;
    widths[widest] = Math.max(6, (widths[widest] ?? 0) - (total() - maxWidth));
  }
  const cut = (c: string, w: number) => (c.length <= w ? c : `${c.slice(0, w - 1)}…`);
  const line = (r: string[]) =>
    r
      .map((c, i) => cut(c, widths[i] ?? 0).padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(cells[0] as string[]), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}
