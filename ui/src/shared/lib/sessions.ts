import { createSignal } from "solid-js";
import { Lexer, type Token } from "marked";

/** A conversation's name for people: its title, else words from its key
 *  (`agent:main:trip-planning` → "Trip planning", `agent:main:main` → "Main conversation").
 *  A title taken from the first message loses its Markdown (`**Plan** the \`trip\`` → "Plan the trip"). */
export function sessionName(s: { key: string; title: string }): string {
  const title = plainText(s.title);
  if (title && title !== s.key && !/^agent:[^:\s]+:/.test(title)) return title;
  const name = s.key.split(":").pop() ?? s.key;
  if (!name || name === "main") return "Main conversation";
  const words = name.replace(/[-_]+/g, " ").replace(/([a-z])([A-Z])/g, "$1 $2").trim().toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function textOf(tokens: Token[]): string {
  let out = "";
  for (const t of tokens) {
    if ("tokens" in t && Array.isArray(t.tokens) && t.tokens.length > 0) out += textOf(t.tokens);
    else if (t.type === "list" && "items" in t) out += textOf(t.items as Token[]);
    else if (t.type === "html" && /^<\/?[a-z][^>]*>$/i.test(t.raw.trim())) continue;
    else if (t.type === "space" || t.type === "br" || t.type === "hr") out += " ";
    else if ("text" in t && typeof t.text === "string") out += t.text;
    // A block ends with a space so two paragraphs do not run together.
    if (t.type === "paragraph" || t.type === "heading" || t.type === "list_item" || t.type === "code") out += " ";
  }
  return out;
}

/** One line of plain text from Markdown (titles and previews in lists): marks, links and
 *  headings are dropped, their words kept; whitespace collapses to single spaces. */
export function plainText(markdown: string): string {
  const src = markdown.trim();
  if (src === "") return "";
  // Plain words are the common case: no lexing needed.
  if (!/[*_`#>[\]!~|<-]|^\s*\d+\./m.test(src)) return src.replace(/\s+/g, " ");
  let text: string;
  try {
    text = textOf(new Lexer({ gfm: true }).lex(src));
  } catch {
    text = src;
  }
  return text
    .replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" })[e] ?? _)
    .replace(/\s+/g, " ")
    .trim();
}

// The titles of the conversations listed last, so other pages (an approval names the
// conversation it came from) say "Trip ideas" rather than words made from the key.
const [titles, setTitles] = createSignal<ReadonlyMap<string, string>>(new Map());

/** Remembers the titles of a list of conversations (the chat store calls it on each load). */
export function rememberTitles(list: readonly { key: string; title: string }[]): void {
  setTitles((old) => {
    const next = new Map(old);
    for (const s of list) next.set(s.key, s.title);
    return next;
  });
}

/** A conversation's name from its key alone: its title if it was listed, else from the key. */
export function nameOfKey(key: string): string {
  return sessionName({ key, title: titles().get(key) ?? "" });
}
