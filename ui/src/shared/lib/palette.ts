/** An entry of the command palette. */
export type PaletteItem = {
  id: string;
  /** Its group's heading ("Pages", "Gateway", "Conversations", "Settings"). */
  group: string;
  label: string;
  /** A second, quieter line (a setting's help, a conversation's key). */
  hint?: string;
  /** More words it answers to ("start", "launch"). */
  keywords?: string;
  /** A keyboard shortcut shown beside it. */
  shortcut?: string;
  /** Already matched by its source (a search on the gateway): kept whatever the query. */
  prematched?: boolean;
  run: () => unknown;
};

const words = (s: string) => s.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean);

/** How well `item` answers `query`: every word of the query must start a word of the entry, or
 *  be found inside its label; higher is better, null when it does not match. */
export function score(item: Pick<PaletteItem, "label" | "group" | "hint" | "keywords" | "prematched">, query: string): number | null {
  const q = words(query);
  if (!q.length) return 0;
  const fallback = item.prematched ? 0.5 : null;
  const label = item.label.toLowerCase();
  const labelWords = words(item.label);
  const other = words(`${item.group} ${item.keywords ?? ""} ${item.hint ?? ""}`);
  let total = 0;
  for (const w of q) {
    if (labelWords.some((x) => x.startsWith(w))) total += labelWords[0]?.startsWith(w) ? 4 : 3;
    else if (label.includes(w)) total += 2;
    else if (other.some((x) => x.startsWith(w))) total += 1;
    else return fallback;
  }
  return total;
}

/** The entries that match `query`, best first; with no query they keep their order (pages first). */
export function filterItems<T extends PaletteItem>(items: readonly T[], query: string): T[] {
  return items
    .map((item, i) => ({ item, i, s: score(item, query) }))
    .filter((x): x is { item: T; i: number; s: number } => x.s !== null)
    // For a query, the shorter of two equal matches is the closer one ("Level" before "Console level").
    .sort((a, b) => b.s - a.s || (query.trim() ? a.item.label.length - b.item.label.length : 0) || a.i - b.i)
    .map((x) => x.item);
}
