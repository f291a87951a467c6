/**
 * The gateway's "did you mean" as an edit: for an unknown key (`at \`gateway.prot\`: unknown
 * setting \`prot\` … (did you mean \`port\`?)`) the key is renamed where the error points; for an
 * unknown value (`unknown variant \`tokne\``) the quoted value is. Nothing else in the text moves.
 */

/** What to replace, from the gateway's message: `from` → `to`, a key or a string value. */
export type Suggestion = { from: string; to: string; kind: "key" | "value" };

/** A change of the text: the characters from `from` to `to` become `insert`. */
export type TextEdit = { from: number; to: number; insert: string };

/** The suggestion in a validation message, or null when it has none (or one the form of which
 *  is not known: then nothing is offered rather than a wrong edit). */
export function suggestion(message: string): Suggestion | null {
  const to = /did you mean `([^`]+)`\?/.exec(message)?.[1];
  if (!to) return null;
  const variant = /unknown variant `([^`]+)`/.exec(message)?.[1];
  if (variant) return variant === to ? null : { from: variant, to, kind: "value" };
  if (!/unknown (?:setting|field)/.test(message)) return null;
  // The key is named after "unknown setting"; older messages only give its path.
  const named = /unknown (?:setting|field) `([^`]+)`/.exec(message)?.[1];
  const path = /at `([^`]+)`/.exec(message)?.[1];
  const from = named ?? path?.split(".").pop()?.replace(/\[\d+\]$/, "");
  if (!from || from === to) return null;
  return { from, to, kind: "key" };
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A key written the way JSON5 allows without quotes. */
const bare = (s: string) => /^[A-Za-z_$][\w$]*$/.test(s);

/**
 * The edit that applies `s` on line `line` (1-based) of `text`: the key `from` followed by a
 * colon, quoted or not, or the string value `'from'`/`"from"`. When the line has it more than
 * once, the one at `column` (1-based) or the first after it wins. Null when the line does not
 * have it (the text changed since the error).
 */
export function fixEdit(text: string, s: Suggestion, line: number, column?: number): TextEdit | null {
  const lines = text.split("\n");
  if (line < 1 || line > lines.length) return null;
  const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  const here = lines[line - 1];
  const f = escapeRe(s.from);
  const re =
    s.kind === "key"
      ? new RegExp(`(^|[\\s{,])(?:"${f}"|'${f}'|${f})(?=\\s*:)`, "g")
      : new RegExp(`(["'])${f}\\1(?!\\s*:)`, "g");
  const found: { at: number; len: number; quote: string }[] = [];
  for (const m of here.matchAll(re)) {
    const lead = s.kind === "key" ? m[1].length : 0;
    const token = m[0].slice(lead);
    const quote = token.startsWith('"') || token.startsWith("'") ? token[0] : "";
    found.push({ at: (m.index ?? 0) + lead, len: token.length, quote });
  }
  if (!found.length) return null;
  const col = (column ?? 1) - 1;
  const pick = found.find((x) => x.at <= col && col < x.at + x.len) ?? found.find((x) => x.at >= col) ?? found[0];
  // A bare key stays bare when it can; a quoted one keeps its quotes.
  const q = pick.quote || (s.kind === "key" && !bare(s.to) ? '"' : "");
  return { from: start + pick.at, to: start + pick.at + pick.len, insert: `${q}${s.to}${q}` };
}

/** `text` with `edit` made. */
export const applyEdit = (text: string, edit: TextEdit): string => text.slice(0, edit.from) + edit.insert + text.slice(edit.to);
