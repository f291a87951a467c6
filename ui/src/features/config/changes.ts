import JSON5 from "json5";

/** One setting that differs between two versions of the config file. */
export type Change = { path: string; kind: "added" | "removed" | "changed"; before?: string; after?: string };

/** Keys whose values are credentials: a change is named, its values never shown. */
export const sensitive = (key: string) => /token|password|secret|apikey/i.test(key);

function leaves(v: unknown, path: string[], out: Map<string, { value: unknown; key: string }>) {
  if (typeof v === "object" && v !== null && !Array.isArray(v)) {
    const entries = Object.entries(v);
    if (!entries.length && path.length) out.set(path.join("."), { value: v, key: path[path.length - 1] });
    for (const [k, child] of entries) leaves(child, [...path, k], out);
    return;
  }
  if (path.length) out.set(path.join("."), { value: v, key: path[path.length - 1] });
}

function show(v: unknown): string {
  if (typeof v === "string") return v;
  return JSON.stringify(v);
}

/** The settings that differ between `before` and `after` (config texts, JSON5), in file
 *  order; null when either does not parse (the diff below still shows the text). */
export function summarizeChanges(before: string, after: string): Change[] | null {
  let a: unknown;
  let b: unknown;
  try {
    a = before.trim() ? JSON5.parse(before) : {};
    b = JSON5.parse(after);
  } catch {
    return null;
  }
  const was = new Map<string, { value: unknown; key: string }>();
  const now = new Map<string, { value: unknown; key: string }>();
  leaves(a, [], was);
  leaves(b, [], now);
  const out: Change[] = [];
  const masked = (key: string, v: unknown) => (sensitive(key) ? undefined : show(v));
  for (const [path, { value, key }] of now) {
    const old = was.get(path);
    if (!old) out.push({ path, kind: "added", after: masked(key, value) });
    else if (JSON.stringify(old.value) !== JSON.stringify(value)) out.push({ path, kind: "changed", before: masked(key, old.value), after: masked(key, value) });
  }
  for (const [path, { value, key }] of was) if (!now.has(path)) out.push({ path, kind: "removed", before: masked(key, value) });
  return out;
}
