import { label } from "../../shared/lib/settings";
import { singular } from "./AddEntry";

/** A JSON Schema node (the subset the gateway's schema uses). */
export type SchemaNode = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  oneOf?: { const?: string; description?: string }[];
  anyOf?: SchemaNode[];
  enum?: string[];
  examples?: string[];
  minimum?: number;
  maximum?: number;
  $ref?: string;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  "x-reloadKind"?: "hot" | "restart" | "none";
};

export type RootSchema = SchemaNode & { $defs?: Record<string, SchemaNode> };

export type Obj = Record<string, unknown>;

/** Parsed JSON that is an object (not an array, not null). */
export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `value[key]` when the value is an object. */
export const at = (value: unknown, key: string): unknown => (isObj(value) ? value[key] : undefined);

/** The schema of a map's entries. */
export const entries = (n: SchemaNode): SchemaNode => (typeof n.additionalProperties === "object" ? n.additionalProperties : {});

export function resolve(node: SchemaNode, root: RootSchema): SchemaNode {
  // `Option<Enum>` comes as `anyOf: [{$ref}, {type: "null"}]`: show it as the enum (secrets
  // keep their own field).
  const any = node.anyOf ?? [];
  const refs = any.filter((a) => a.$ref);
  const ref = refs.length === 1 ? refs[0].$ref : undefined;
  if (!node.$ref && ref && any.length === 2 && any.some((a) => a.type === "null") && !ref.endsWith("/Secret")) {
    return resolve({ ...node, anyOf: undefined, $ref: ref }, root);
  }
  if (!node.$ref) return node;
  const name = node.$ref.replace("#/$defs/", "");
  const target = root.$defs?.[name] ?? {};
  // The property's own description wins over the definition's.
  return { ...target, ...node, $ref: undefined, description: node.description ?? target.description };
}

export function choices(n: SchemaNode): { value: string; help?: string }[] | null {
  if (n.enum) return n.enum.map((v) => ({ value: v }));
  if (n.oneOf?.every((o) => typeof o.const === "string")) return n.oneOf.flatMap((o) => (o.const === undefined ? [] : [{ value: o.const, help: o.description }]));
  return null;
}

export function kind(n: SchemaNode): string {
  if (n.anyOf?.some((a) => a.$ref?.endsWith("/Secret"))) return "secret";
  const t = Array.isArray(n.type) ? n.type.find((x) => x !== "null") : n.type;
  if (choices(n)) return "choice";
  if (n.properties) return "object";
  if (n.additionalProperties && typeof n.additionalProperties === "object") return "map";
  return t ?? "string";
}

/** A list whose items are objects with settings of their own (models, rules, agents). */
export const isObjectList = (n: SchemaNode, root: RootSchema): boolean => kind(n) === "array" && kind(resolve(n.items ?? {}, root)) === "object";

/** The value a new map entry starts with. */
export function blank(n: SchemaNode): unknown {
  const k = kind(n);
  if (k === "object" || k === "map") return {};
  if (k === "boolean") return false;
  if (k === "integer" || k === "number") return 0;
  return "";
}

/** `value` with `path` inside it set to `v` (removed when undefined); objects on the way are
 *  copied, never changed, and created when missing. */
export function setIn(value: unknown, path: string[], v: unknown): unknown {
  if (!path.length) return v;
  const [head, ...rest] = path;
  const obj: Obj = isObj(value) ? { ...value } : {};
  const next = setIn(obj[head], rest, v);
  if (next === undefined) delete obj[head];
  else obj[head] = next;
  return obj;
}

/** The value at `path` inside `value` (list items by their index). */
export function getIn(value: unknown, path: string[]): unknown {
  let cur = value;
  for (const k of path) {
    if (Array.isArray(cur)) cur = cur[Number(k)];
    else cur = at(cur, k);
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** How a list item is named: by its id, name or pattern, else by its place ("3"). */
export function itemName(item: unknown, index: number): string {
  for (const k of ["id", "name", "pattern"]) {
    const v = at(item, k);
    if (typeof v === "string" && v.trim()) return v;
  }
  return String(index + 1);
}

/** What one item of the list at `path` is called: "models" → "model", "agents.list" → "agent". */
export function itemNoun(path: string[]): string {
  const key = path[path.length - 1] ?? "item";
  const generic = ["list", "items", "entries"].includes(key);
  const base = generic && path.length > 1 ? path[path.length - 2] : key;
  return label(singular(base)).toLowerCase();
}

/** A list item's fields, the required ones (that name it: a model's id) first. */
export function itemFields(item: SchemaNode): [string, SchemaNode][] {
  const req = item.required ?? [];
  const all = Object.entries(item.properties ?? {});
  return [...all.filter(([k]) => req.includes(k)), ...all.filter(([k]) => !req.includes(k))];
}
