import { createSignal } from "solid-js";

const WORDS: Record<string, string> = { api: "API", url: "URL", urls: "URLs", id: "ID", ids: "IDs", ms: "(ms)", http: "HTTP", tls: "TLS", llm: "LLM" };

/** "maxPayload" → "Max payload", "baseUrl" → "Base URL", "drainTimeoutMs" → "Drain timeout (ms)". */
export function label(key: string): string {
  const words = key
    .replace(/^\$/, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(" ")
    .map((w) => WORDS[w] ?? w)
    .join(" ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The part of a JSON Schema node a list of settings needs. */
type Node = {
  description?: string;
  properties?: Record<string, Node>;
  $ref?: string;
  anyOf?: Node[];
  $defs?: Record<string, Node>;
};

/** A setting of the config file, for "jump to a setting". */
export type SettingEntry = {
  path: string[];
  /** "Logging › Level". */
  title: string;
  /** The schema's help text, first sentence. */
  description: string;
};

function isNode(v: unknown): v is Node {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Every setting the config's schema describes (sections and the fields in them), in order. */
export function settingsFromSchema(schema: unknown): SettingEntry[] {
  if (!isNode(schema)) return [];
  const defs = schema.$defs ?? {};
  const resolve = (n: Node, depth = 0): Node => {
    const ref = n.$ref ?? (n.anyOf?.length === 2 ? n.anyOf.find((a) => a.$ref)?.$ref : undefined);
    if (!ref || depth > 8) return n;
    const target = defs[ref.replace("#/$defs/", "")] ?? {};
    return resolve({ ...target, description: n.description ?? target.description, $ref: undefined, anyOf: undefined }, depth + 1);
  };
  const out: SettingEntry[] = [];
  const walk = (node: Node, path: string[], titles: string[]) => {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const n = resolve(child);
      const p = [...path, key];
      const t = [...titles, label(key)];
      out.push({ path: p, title: t.join(" › "), description: (n.description ?? "").split(/(?<=\.)\s/)[0].replace(/`/g, "") });
      if (n.properties && p.length < 4) walk(n, p, t);
    }
  };
  walk({ properties: Object.fromEntries(Object.entries(schema.properties ?? {}).filter(([k]) => !k.startsWith("$"))) }, [], []);
  return out;
}

/** The element of the settings form that shows `path`: its field, or its group. */
export function settingElement(path: string[]): HTMLElement | null {
  const id = `cfg-${path.join("-")}`;
  const dotted = path.join(".");
  const el = document.getElementById(id) ?? [...document.querySelectorAll("[data-setting]")].find((e) => e instanceof HTMLElement && e.dataset.setting === dotted);
  return el instanceof HTMLElement ? el : null;
}

/** A request to show a setting (from the command palette); the Config page takes it. */
const [settingRequest, setSettingRequest] = createSignal<{ path: string[] } | null>(null, { equals: false });
export { settingRequest };

/** Asks the Config page to open its form on `path` and focus it. */
export function requestSetting(path: string[]): void {
  setSettingRequest({ path });
}

/** Taken by the Config page: the request is done. */
export function takeSettingRequest(): { path: string[] } | null {
  const r = settingRequest();
  if (r) setSettingRequest(null);
  return r;
}
