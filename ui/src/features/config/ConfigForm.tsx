import { createEffect, createMemo, createSignal, createUniqueId, For, Index, type JSX, Match, on, Show, Switch } from "solid-js";
import { plural } from "../../shared/lib/format";
import { settingElement } from "../../shared/lib/settings";
import { Button } from "../../shared/ui/Button";
import { find, highlight, pathKey } from "./find";
import { withoutTitle } from "../../shared/lib/describe";
import { sensitive } from "./changes";
import { at, blank, choices, entries, getIn, isObj, isObjectList, itemFields, itemName, itemNoun, kind, type Obj, type RootSchema, resolve, type SchemaNode, setIn } from "./schema";
import { AddItem } from "./AddItem";
import { AddEntry, singular } from "./AddEntry";
import { Search, Trash2, X } from "../../shared/ui/icons";
import { SecretField } from "./SecretField";
import { TipButton } from "../../shared/ui/Tooltip";
import { label } from "../../shared/lib/settings";
import { defaultText, ScalarList, withoutDefault } from "./ScalarList";

export { defaultText, withoutDefault };

export type { SchemaNode } from "./schema";

/** `text` with the words of `query` marked (the search's matches). */
function Marked(props: { text: string; query: string }) {
  return (
    <For each={highlight(props.text, props.query)}>
      {(part) => (part.hit ? <mark class="rounded-sm bg-accent/20 text-fg">{part.text}</mark> : part.text)}
    </For>
  );
}

/** Help text with `code` spans (the schema's descriptions come from Rust doc comments). */
function Help(props: { text?: string; class?: string; query?: string }) {
  return (
    <Show when={props.text}>
      {(text) => (
        <p class={props.class ?? "text-xs text-muted"}>
          <For each={text().split("`")}>
            {(part, i) =>
              i() % 2 === 1 ? (
                <code class="font-mono text-[11px] text-fg/80">
                  <Marked text={part} query={props.query ?? ""} />
                </code>
              ) : (
                <Marked text={part} query={props.query ?? ""} />
              )
            }
          </For>
        </p>
      )}
    </Show>
  );
}

/** How the config refers to an environment variable, shown as text. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: the config's own `${VAR}` syntax, not a template
const ENV_SYNTAX = "${ENV_VAR}";

export { label };

/** A setting's row: its words, then its control in a column of one width on every row. */
const ROW = "grid items-start gap-x-6 gap-y-2 py-3 border-b border-line last:border-0 sm:grid-cols-[minmax(0,1fr)_20rem]";
/** A text, number or choice control: the whole control column. */
const CONTROL = "w-full h-8 rounded-md border border-line bg-surface text-[13px]";

export type Update = (current: unknown) => unknown;

/** Whether a change is an `Update` (no setting's value is a function). */
export const isUpdate = (v: unknown): v is Update => typeof v === "function";

/** A change of the setting at `path`: a value (`undefined` removes the key), or an `Update`. */
type Change = (path: string[], value: unknown) => void;

/** What the page can ask of the form. */
export type FormApi = {
  /** Scrolls to the setting at `path` (clearing a search that hides it), focuses it and makes it
   *  flash; false when the form does not show it. */
  reveal: (path: string[]) => boolean;
};

/** Makes `el` flash once (the setting a jump or a search landed on). */
function flash(el: HTMLElement) {
  el.classList.remove("tp-flash");
  void el.offsetWidth;
  el.classList.add("tp-flash");
  setTimeout(() => el.classList.remove("tp-flash"), 1600);
}

/** Fields generated from the gateway's JSON Schema. Values come from `value`; a change calls
 *  `onChange(path, value)` with `undefined` to remove the key (back to its default), or with an
 *  `Update` function for a list (the core edits objects by path, lists as a whole). */
export function ConfigForm(props: {
  schema: RootSchema;
  value: Obj;
  onChange: Change;
  /** Stores a secret for a `{source: "store"}` reference; resolves with an error, or null. */
  onStoreSecret?: (name: string, value: string) => Promise<string | null>;
  onReady?: (api: FormApi) => void;
}) {
  const sections = () =>
    Object.entries(props.schema.properties ?? {})
      .map(([k, n]) => [k, resolve(n, props.schema)] as const)
      .filter(([, n]) => n.properties);

  // "Find a setting": the query, what it finds, and which match Enter went to last.
  const [query, setQuery] = createSignal("");
  const [hit, setHit] = createSignal(-1);
  const found = createMemo(() => find(props.schema, props.value, query()));
  /** Shown: no search, or a match, or a group on the way to one. */
  const visible = (path: string[]) => {
    const f = found();
    return !f || f.onTheWay.has(pathKey(path));
  };
  /** A match itself: everything inside it is shown too ("auth" shows all of Auth). */
  const matched = (path: string[]) => !!found()?.matched.has(pathKey(path));
  /** The query, for marking the words it matched. */
  const q = () => (found() ? query() : "");

  // The section nav: the one in view is current.
  const [current, setCurrent] = createSignal<string | null>(null);
  const currentSection = () => current() ?? sections()[0]?.[0] ?? null;
  let scroller: HTMLDivElement | undefined;
  let search: HTMLInputElement | undefined;
  /** After a jump, the jump's section stays current until the user scrolls (a short last
   *  section never reaches the top). */
  let pinned = false;
  const statusId = createUniqueId();

  createEffect(
    on(
      query,
      () => {
        setHit(-1);
        if (scroller) scroller.scrollTop = 0;
      },
      { defer: true },
    ),
  );

  function track() {
    if (pinned || !scroller) return;
    const els = [...scroller.querySelectorAll<HTMLElement>("section[data-setting]")];
    if (!els.length) return;
    const top = scroller.getBoundingClientRect().top;
    let cur = els[0].dataset.setting;
    if (scroller.scrollHeight > scroller.clientHeight && scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 2) cur = els[els.length - 1].dataset.setting;
    else for (const el of els) if (el.getBoundingClientRect().top - top <= 32) cur = el.dataset.setting;
    if (cur) setCurrent(cur);
  }

  function goSection(key: string) {
    const el = [...(scroller?.querySelectorAll<HTMLElement>("section[data-setting]") ?? [])].find((e) => e.dataset.setting === key);
    if (!el) return;
    pinned = true;
    setCurrent(key);
    el.scrollIntoView?.({ block: "start" });
    el.focus({ preventScroll: true });
  }

  function reveal(path: string[]): boolean {
    if (!visible(path)) setQuery("");
    const el = settingElement(path);
    if (!el) return false;
    pinned = true;
    setCurrent(path[0]);
    el.scrollIntoView?.({ block: "center" });
    el.focus({ preventScroll: true });
    flash(el);
    return true;
  }
  props.onReady?.({ reveal });

  /** Enter: the next match (Shift+Enter: the one before), focused so it can be edited. */
  function step(by: number) {
    const m = found()?.matches ?? [];
    if (!m.length) return;
    const next = (((hit() < 0 && by < 0 ? 0 : hit()) + by) % m.length + m.length) % m.length;
    setHit(next);
    const path = m[next];
    const el = settingElement(path);
    if (!el) return;
    pinned = true;
    setCurrent(path[0]);
    el.scrollIntoView?.({ block: "center" });
    el.focus({ preventScroll: true });
    flash(el.closest<HTMLElement>("[data-setting]") ?? el);
  }

  function clearSearch() {
    setQuery("");
    search?.focus();
  }

  /** How many matches a section has (null without a search). */
  const countIn = (key: string) => {
    const f = found();
    return f ? f.matches.filter((m) => m[0] === key).length : null;
  };

  /** `change` as an item of the list at `listPath` sees it: an edit inside item `i` becomes an
   *  update of the whole list. */
  const inItem =
    (change: Change, listPath: string[], i: number): Change =>
    (path, v) => {
      const rest = path.slice(listPath.length + 1);
      change(listPath, (cur: unknown) => {
        const items = Array.isArray(cur) ? cur : [];
        if (i >= items.length) return cur;
        const next = isUpdate(v) ? v(getIn(items[i], rest)) : v;
        return items.map((item, j) => (j === i ? setIn(item, rest, next) : item));
      });
    };

  function Field(p: { path: string[]; node: SchemaNode; value: unknown; rawKey?: boolean; change: Change; forced?: boolean }): JSX.Element {
    const n = () => resolve(p.node, props.schema);
    const key = () => p.path[p.path.length - 1];
    const title = () => (p.rawKey ? key() : label(key()));
    /** The help without the words that repeat the title. */
    const help = () => {
      const h = withoutTitle(title(), n().description);
      // The "Default: N" line says it: the help does not say it again.
      return (defaultText(n().default) && h ? withoutDefault(h) : h) ?? undefined;
    };
    const id = () => `cfg-${p.path.join("-")}`;
    /** Shown by the search: a match, on the way to one, or inside one. */
    const open = () => p.forced || visible(p.path);
    /** Everything inside is shown: this one, or one around it, matched. */
    const all = () => !!p.forced || matched(p.path);
    const set = (v: unknown) => p.change(p.path, v === "" || v === undefined ? undefined : v);
    const shown = () => (p.value === undefined ? undefined : p.value);
    /** A list setting's items (none when it is not a list). */
    const list = (): unknown[] => {
      const v = shown();
      return Array.isArray(v) ? v : [];
    };
    /** The schema of a list's items. */
    const itemSchema = () => resolve(n().items ?? {}, props.schema);
    /** The text field a new list item needs before it is added (a model's id, a rule's pattern). */
    const firstRequired = () => {
      const item = itemSchema();
      const key = item.required?.find((k) => {
        const f = item.properties?.[k];
        return f && kind(resolve(f, props.schema)) === "string";
      });
      return key ? { key, label: label(key) } : undefined;
    };
    return (
      <Show when={open()}>
      <Switch>
        <Match when={kind(n()) === "object"}>
          <fieldset class="border-l-2 border-line pl-4 my-2 space-y-1" data-setting={p.path.join(".")} tabIndex={-1}>
            <legend class="text-[13px] font-semibold"><Marked text={title()} query={q()} /></legend>
            <Help text={help()} query={q()} />
            <For each={Object.entries(n().properties ?? {})}>
              {([k, child]) => <Field path={[...p.path, k]} node={child} value={at(p.value, k)} change={p.change} forced={all()} />}
            </For>
          </fieldset>
        </Match>
        <Match when={kind(n()) === "map"}>
          <fieldset class="border-l-2 border-line pl-4 my-2 space-y-1" data-testid={id()} data-setting={p.path.join(".")} tabIndex={-1}>
            <legend class="text-[13px] font-semibold"><Marked text={title()} query={q()} /></legend>
            <Help text={help()} query={q()} />
            <For
              each={isObj(p.value) ? Object.keys(p.value).filter((k) => all() || visible([...p.path, k])) : []}
              fallback={<p class="text-xs text-muted py-2">None yet.</p>}
            >
              {(k) => (
                <div class="relative" data-testid={`${id()}-entry-${k}`}>
                  {/* A scalar entry is removed by clearing it; an object entry has a button. */}
                  <Show when={typeof at(p.value, k) === "object" && at(p.value, k) !== null}>
                    <TipButton
                      tip="Nothing is saved until Review & save"
                      class="absolute right-0 top-1 z-10 inline-flex items-center gap-1 rounded px-2 h-7 text-[12px] text-muted hover:bg-surface-2 hover:text-err"
                      data-testid={`${id()}-remove-${k}`}
                      aria-label={`Remove ${singular(key())} ${k}`}
                      onClick={() => p.change([...p.path, k], undefined)}
                    >
                      <Trash2 size={14} aria-hidden="true" /> Remove
                    </TipButton>
                  </Show>
                  <Field path={[...p.path, k]} node={entries(n())} value={at(p.value, k)} rawKey change={p.change} forced={all()} />
                </div>
              )}
            </For>
            <AddEntry
              id={id()}
              noun={singular(key())}
              existing={isObj(p.value) ? Object.keys(p.value) : []}
              onAdd={(name) => p.change([...p.path, name], blank(resolve(entries(n()), props.schema)))}
            />
          </fieldset>
        </Match>
        <Match when={isObjectList(n(), props.schema)}>
          {/* A list of objects (a provider's models, exec rules, agents): each item a card with
              its own fields, removable; new ones at the end. */}
          <fieldset class="border-l-2 border-line pl-4 my-2 space-y-2" data-testid={id()} data-setting={p.path.join(".")} tabIndex={-1}>
            <legend class="text-[13px] font-semibold"><Marked text={title()} query={q()} /></legend>
            <Help text={help()} query={q()} />
            <Index each={list()} fallback={<p class="text-xs text-muted py-2">None yet.</p>}>
              {(item, i) => (
                <Show when={all() || visible([...p.path, String(i)])}>
                <div
                  class="rounded-md border border-line bg-bg/60 pl-3 pr-2 pt-1.5"
                  data-testid={`${id()}-item-${i}`}
                  data-setting={[...p.path, String(i)].join(".")}
                  tabIndex={-1}
                >
                  <div class="flex items-center gap-2 min-h-8">
                    <span class="flex-1 min-w-0 truncate text-[13px] font-medium">
                      <Marked text={label(itemNoun(p.path))} query={q()} />{" "}
                      <span class="font-mono text-[12.5px]"><Marked text={itemName(item(), i)} query={q()} /></span>
                    </span>
                    <TipButton
                      tip="Nothing is saved until Review & save"
                      class="inline-flex items-center gap-1 rounded px-2 h-7 text-[12px] text-muted hover:bg-surface-2 hover:text-err"
                      data-testid={`${id()}-remove-${i}`}
                      aria-label={`Remove ${itemNoun(p.path)} ${itemName(item(), i)}`}
                      onClick={() =>
                        p.change(p.path, (cur: unknown) => {
                          const rest = (Array.isArray(cur) ? cur : []).filter((_, j) => j !== i);
                          return rest.length ? rest : undefined;
                        })
                      }
                    >
                      <Trash2 size={14} aria-hidden="true" /> Remove
                    </TipButton>
                  </div>
                  <For each={itemFields(itemSchema())}>
                    {([k, child]) => (
                      <Field
                        path={[...p.path, String(i), k]}
                        node={child}
                        value={at(item(), k)}
                        change={inItem(p.change, p.path, i)}
                        forced={all() || matched([...p.path, String(i)])}
                      />
                    )}
                  </For>
                </div>
                </Show>
              )}
            </Index>
            <AddItem
              id={id()}
              noun={itemNoun(p.path)}
              field={firstRequired()}
              existing={list().map((item) => at(item, firstRequired()?.key ?? "")).filter((v): v is string => typeof v === "string")}
              onAdd={(item) => p.change(p.path, (cur: unknown) => [...(Array.isArray(cur) ? cur : []), item])}
            />
          </fieldset>
        </Match>
        <Match when={true}>
          {/* Two columns: the words on the left, the control on the right, the same width in every row. */}
          <div class={ROW} data-setting={p.path.join(".")} tabIndex={-1}>
            <div class="min-w-0">
              <label for={id()} class="text-[13px] font-medium">
                <Marked text={title()} query={q()} />
              </label>
              <Show when={n()["x-reloadKind"] === "restart"}>
                <span class="ml-2 rounded bg-surface-2 px-1.5 text-[11px] text-muted">restart</span>
              </Show>
              <Help text={help()} query={q()} />
              {/* While searching, where the setting is in the file: `gateway.port` finds it too. */}
              <Show when={q()}>
                <div class="font-mono text-[11px] text-muted" data-part="path">
                  <Marked text={p.path.join(".")} query={q()} />
                </div>
              </Show>
              <Show when={defaultText(n().default)}>
                {(d) => (
                  <div class="text-[12px] text-muted" data-testid={`${id()}-default`}>
                    {d()}
                  </div>
                )}
              </Show>
            </div>
            <div class="min-w-0">
            <Switch>
              <Match when={kind(n()) === "boolean"}>
                <div class="h-8 flex items-center">
                  <input id={id()} type="checkbox" class="size-4 accent-[var(--accent)]" checked={Boolean(shown() ?? n().default)} onChange={(e) => set(e.currentTarget.checked)} />
                </div>
              </Match>
              <Match when={kind(n()) === "choice"}>
                <select id={id()} data-testid={id()} class={`${CONTROL} px-1.5`} value={String(shown() ?? n().default ?? "")} onChange={(e) => set(e.currentTarget.value)}>
                  <Show when={n().default === undefined}>
                    <option value="">(default)</option>
                  </Show>
                  <For each={choices(n()) ?? []}>{(c) => <option value={c.value} title={c.help}>{c.value}</option>}</For>
                </select>
              </Match>
              <Match when={kind(n()) === "secret"}>
                <SecretField id={id()} path={p.path} value={shown()} onChange={set} onStore={props.onStoreSecret} />
              </Match>
              <Match when={kind(n()) === "array" && ["string", "integer", "number"].includes(kind(resolve(n().items ?? {}, props.schema)))}>
                <ScalarList
                  id={id()}
                  label={title()}
                  items={list()}
                  numeric={kind(resolve(n().items ?? {}, props.schema)) !== "string"}
                  onChange={set}
                />
              </Match>
              <Match when={kind(n()) === "array"}>
                {/* Lists of lists or of mixed values: the schema has none today. */}
                <span class="text-[12px] text-muted h-8 inline-flex items-center" data-testid={id()}>
                  {list().length ? `${list().length} ${list().length === 1 ? "value" : "values"}; ` : ""}edited in the Raw view.
                </span>
              </Match>
              <Match when={kind(n()) === "integer" || kind(n()) === "number"}>
                <input
                  id={id()}
                  data-testid={id()}
                  type="number"
                  inputmode="numeric"
                  class={`${CONTROL} px-2 font-mono`}
                  value={shown() == null ? "" : String(shown())}
                  onChange={(e) => set(e.currentTarget.value === "" ? undefined : Number(e.currentTarget.value))}
                />
              </Match>
              <Match when={true}>
                <div class="flex flex-col gap-1">
                  <input
                    id={id()}
                    data-testid={id()}
                    type={sensitive(key()) ? "password" : "text"}
                    class={`${CONTROL} px-2 font-mono`}
                    placeholder={n().default == null ? (n().examples?.length ? `e.g. ${n().examples?.join(", ")}` : "") : ""}
                    value={shown() == null ? "" : String(shown())}
                    onChange={(e) => set(e.currentTarget.value)}
                  />
                  <Show when={sensitive(key())}>
                    <span class="text-[11px] text-muted">Prefer {ENV_SYNTAX} to keep it out of the file.</span>
                  </Show>
                </div>
              </Match>
            </Switch>
            </div>
          </div>
        </Match>
      </Switch>
      </Show>
    );
  }

  const matchCount = () => found()?.matches.length ?? 0;
  const status = () => {
    const f = found();
    if (!f) return "";
    if (!f.matches.length) return "No setting matches";
    const n = f.matches.length;
    const where = hit() >= 0 ? ` · ${hit() + 1} of ${n}` : " · Enter goes to each";
    return `${plural(n, "setting")} ${n === 1 ? "matches" : "match"}${where}`;
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: not a control: Ctrl/Cmd+F for the form, caught as it bubbles up from its fields
    <div
      class="flex flex-col md:flex-row gap-4 h-full min-h-0"
      data-testid="config-form"
      onKeyDown={(e) => {
        if ((e.ctrlKey || e.metaKey) && e.key === "f") {
          e.preventDefault();
          search?.focus();
          search?.select();
        }
      }}
    >
      <aside class="md:w-56 shrink-0 flex flex-col gap-2 min-h-0">
        <div class="relative">
          <Search size={15} class="absolute left-2.5 top-2 text-muted pointer-events-none" aria-hidden="true" />
          <input
            ref={search}
            type="search"
            data-testid="config-find"
            aria-label="Find a setting"
            aria-describedby={statusId}
            aria-keyshortcuts="Control+F Meta+F"
            placeholder="Find a setting"
            autocomplete="off"
            spellcheck={false}
            class="tp-search w-full h-8 rounded-md border border-line bg-surface pl-8 pr-8 text-[13px] placeholder:text-muted"
            value={query()}
            onInput={(e) => setQuery(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") {
                e.preventDefault();
                step(e.shiftKey ? -1 : 1);
              } else if (e.key === "Escape" && query()) {
                e.preventDefault();
                e.stopPropagation();
                setQuery("");
              }
            }}
          />
          <Show when={query()}>
            <button
              type="button"
              class="absolute right-1 top-1 size-6 inline-flex items-center justify-center rounded text-muted hover:bg-surface-2 hover:text-fg"
              aria-label="Clear the search"
              data-testid="config-find-x"
              onClick={clearSearch}
            >
              <X size={14} aria-hidden="true" />
            </button>
          </Show>
        </div>
        <p id={statusId} role="status" class="text-[12px] text-muted min-h-4 px-0.5" data-testid="config-find-count">
          {status()}
        </p>
        <nav aria-label="Sections" data-testid="config-nav" class="min-h-0 overflow-auto">
          <ul
            class="flex md:flex-col gap-0.5 overflow-x-auto"
            onKeyDown={(e) => {
              const buttons = [...e.currentTarget.querySelectorAll<HTMLButtonElement>("button:not(:disabled)")];
              const active = document.activeElement;
              const at = active instanceof HTMLButtonElement ? buttons.indexOf(active) : -1;
              const to = { ArrowDown: at + 1, ArrowRight: at + 1, ArrowUp: at - 1, ArrowLeft: at - 1, Home: 0, End: buttons.length - 1 }[e.key];
              if (to === undefined || at < 0 || !buttons.length) return;
              e.preventDefault();
              buttons[(to + buttons.length) % buttons.length].focus();
            }}
          >
            <For each={sections()}>
              {([key]) => (
                <li>
                  <button
                    type="button"
                    data-testid={`config-nav-${key}`}
                    aria-current={currentSection() === key ? "location" : undefined}
                    disabled={countIn(key) === 0}
                    onClick={() => goSection(key)}
                    class={`w-full flex items-center gap-2 whitespace-nowrap rounded-md px-2.5 h-8 text-left text-[13px] disabled:opacity-40 disabled:cursor-default ${
                      currentSection() === key ? "bg-accent/12 text-fg font-medium" : "text-muted hover:bg-surface-2 hover:text-fg"
                    }`}
                  >
                    <span class={`hidden md:block w-0.5 self-stretch my-1.5 rounded-full ${currentSection() === key ? "bg-accent" : "bg-transparent"}`} aria-hidden="true" />
                    <span class="flex-1 truncate">{label(key)}</span>
                    <Show when={countIn(key) !== null}>
                      <span class="rounded-full bg-surface-2 px-1.5 text-[11px] tabular-nums text-muted" data-part="count">
                        {countIn(key)}
                      </span>
                    </Show>
                  </button>
                </li>
              )}
            </For>
          </ul>
        </nav>
      </aside>
      <div
        ref={(el) => {
          scroller = el;
          // The user scrolls: the section in view is current again.
          const unpin = () => {
            pinned = false;
          };
          for (const ev of ["wheel", "touchmove", "pointerdown", "keydown"]) el.addEventListener(ev, unpin, { passive: true });
          el.addEventListener("scroll", track, { passive: true });
        }}
        class="flex-1 min-w-0 min-h-0 overflow-auto space-y-4 pb-4"
        data-testid="config-sections"
      >
        <Show when={found() && matchCount() === 0}>
          <div class="rounded-lg border border-line bg-surface px-6 py-10 text-center" data-testid="config-find-empty">
            <p class="text-[14px] font-medium">No setting matches “{query().trim()}”</p>
            <p class="mt-1 text-[13px] text-muted">Search by a setting's name, its path (such as gateway.port) or words from its help.</p>
            <Button class="mt-4" data-testid="config-find-clear" onClick={clearSearch}>
              Clear
            </Button>
          </div>
        </Show>
        <For each={sections()}>
          {([key, node]) => (
            <Show when={visible([key])}>
              <section class="rounded-lg border border-line bg-surface px-5 py-3 scroll-mt-1" data-setting={key} tabIndex={-1} aria-label={label(key)}>
                <h2 class="font-semibold">
                  <Marked text={label(key)} query={q()} />
                </h2>
                <Help text={withoutTitle(label(key), node.description) ?? undefined} class="text-[13px] text-muted mb-1" query={q()} />
                <For each={Object.entries(node.properties ?? {})}>
                  {([k, child]) => <Field path={[key, k]} node={child} value={at(props.value[key], k)} change={props.onChange} forced={matched([key])} />}
                </For>
              </section>
            </Show>
          )}
        </For>
      </div>
    </div>
  );
}
