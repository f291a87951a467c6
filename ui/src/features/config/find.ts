import { label } from "../../shared/lib/settings";
import { at, entries, isObj, isObjectList, itemFields, itemName, itemNoun, kind, type RootSchema, resolve, type SchemaNode } from "./schema";

/** "Find a setting": which settings of the form answer a query, and how to mark them. */

/** One setting the form shows, for the search: its title, dotted path and help. */
export type Findable = { path: string[]; title: string; description: string };

/** The query's words, lower case. */
export const queryWords = (q: string): string[] => q.toLowerCase().split(/\s+/).filter(Boolean);

/** Whether every word of the query is in the setting's title or key, or starts a word of its
 *  help ("listens" finds the gateway's bind, "port" does not find "transport"). A word with a
 *  dot is a path (`gateway.port`, `auth.mo`): it must reach the setting's own key, so that
 *  `gateway.auth` finds Auth and not every setting inside it. */
export function settingMatches(s: Findable, query: string): boolean {
  const q = queryWords(query);
  if (!q.length) return false;
  const key = (s.path[s.path.length - 1] ?? "").toLowerCase();
  const name = `${s.title.toLowerCase()} ${key}`;
  const dotted = s.path.join(".").toLowerCase();
  const help = s.description.toLowerCase().split(/[^\p{L}\p{N}_$]+/u);
  const inPath = (w: string) => {
    for (let i = dotted.indexOf(w); i >= 0; i = dotted.indexOf(w, i + 1)) if (i + w.length > dotted.length - key.length) return true;
    return false;
  };
  return q.every((w) => (w.includes(".") ? inPath(w) : name.includes(w) || help.some((h) => h.startsWith(w))));
}

/** Every setting the form shows for `value`, in the form's order: sections, groups, fields,
 *  map entries and list items with their own fields. */
export function findables(root: RootSchema, value: unknown): Findable[] {
  const out: Findable[] = [];
  const walk = (raw: SchemaNode, path: string[], v: unknown, title: string) => {
    const n = resolve(raw, root);
    out.push({ path, title, description: n.description ?? "" });
    const k = kind(n);
    if (k === "object") for (const [key, child] of Object.entries(n.properties ?? {})) walk(child, [...path, key], at(v, key), label(key));
    else if (k === "map" && isObj(v)) for (const key of Object.keys(v)) walk(entries(n), [...path, key], v[key], key);
    else if (isObjectList(n, root) && Array.isArray(v)) {
      const item = resolve(n.items ?? {}, root);
      v.forEach((it, i) => {
        const p = [...path, String(i)];
        out.push({ path: p, title: `${label(itemNoun(path))} ${itemName(it, i)}`, description: "" });
        for (const [key, child] of itemFields(item)) walk(child, [...p, key], at(it, key), label(key));
      });
    }
  };
  for (const [key, node] of Object.entries(root.properties ?? {})) {
    if (resolve(node, root).properties) walk(node, [key], at(value, key), label(key));
  }
  return out;
}

/** A path as a set key (segments may contain dots). */
export const pathKey = (path: string[]) => path.join("\u0000");

/** What the search shows: the settings that match, and every group on the way to one. */
export type FindResult = { matches: string[][]; matched: Set<string>; onTheWay: Set<string> };

export function find(root: RootSchema, value: unknown, query: string): FindResult | null {
  if (!queryWords(query).length) return null;
  const matches = findables(root, value)
    .filter((s) => settingMatches(s, query))
    .map((s) => s.path);
  const matched = new Set(matches.map(pathKey));
  const onTheWay = new Set<string>();
  for (const p of matches) for (let i = 1; i <= p.length; i++) onTheWay.add(pathKey(p.slice(0, i)));
  return { matches, matched, onTheWay };
}

/** `text` cut into the parts that match a word of the query and the parts between. */
export function highlight(text: string, query: string): { text: string; hit: boolean }[] {
  const q = queryWords(query);
  if (!q.length || !text) return [{ text, hit: false }];
  const lower = text.toLowerCase();
  // Lower case of a few letters changes the length: no marks rather than wrong ones.
  if (lower.length !== text.length) return [{ text, hit: false }];
  const marks = new Array<boolean>(text.length).fill(false);
  for (const w of q) {
    let i = lower.indexOf(w);
    while (i >= 0) {
      marks.fill(true, i, i + w.length);
      i = lower.indexOf(w, i + w.length);
    }
  }
  const out: { text: string; hit: boolean }[] = [];
  for (let i = 0; i < text.length; i++) {
    const last = out[out.length - 1];
    if (last && last.hit === marks[i]) last.text += text[i];
    else out.push({ text: text[i], hit: marks[i] });
  }
  return out;
}
