/** Words of a text, lower case, with their end offsets (punctuation and code marks ignored). */
function words(text: string): { word: string; end: number }[] {
  return [...text.matchAll(/[\p{L}\p{N}]+/gu)].map((m) => ({ word: m[0].toLowerCase(), end: (m.index ?? 0) + m[0].length }));
}

/** "read" and "reads" say the same thing here. */
const sameWord = (a: string, b: string) => a === b || a === `${b}s` || `${a}s` === b;

/** A parenthesised remainder, unwrapped: "(default 18789; 0 = any)." → "default 18789; 0 = any." */
function unwrap(rest: string): string {
  const m = /^\(((?:[^()]|\([^()]*\))*)\)\s*([.!?]?)$/s.exec(rest);
  return m ? `${m[1].trim()}${m[2]}` : rest;
}

/**
 * A setting's description without the part that repeats its title: the schema's help comes
 * from doc comments that often start with the name ("Port (default 18789; …)", "Gateway: where
 * it listens…", "Cache reads."). Case and punctuation are ignored, and a plural counts as the
 * same word.
 *
 * - The whole description is the title again: null (nothing to show).
 * - The title, then a separator (`:`, `,`, `;`, a dash or a parenthesis): what follows, as its
 *   own sentence ("Where it listens…", "Default 18789; 0 = any free port.").
 * - The title as the subject of a sentence ("Models this provider offers"): kept as written,
 *   since taking the title away would leave a fragment.
 */
export function withoutTitle(title: string, description: string | undefined | null): string | null {
  const text = (description ?? "").trim();
  if (!text) return null;
  const t = words(title).map((w) => w.word);
  const d = words(text);
  if (!t.length || d.length < t.length || !t.every((w, i) => sameWord(d[i].word, w))) return text;
  if (d.length === t.length) return null;
  const rest = text.slice(d[t.length - 1].end);
  const sep = /^\s*(?:[:,;—–]|\s-\s|-\s)\s*/.exec(rest);
  let out: string;
  if (sep) out = rest.slice(sep[0].length);
  else if (/^\s*\(/.test(rest)) out = unwrap(rest.trim());
  else return text;
  out = out.trim();
  if (!/[\p{L}\p{N}`]/u.test(out)) return null;
  return out.charAt(0).toUpperCase() + out.slice(1);
}
