import { createSignal, onCleanup } from "solid-js";
import { commands, type SessionView } from "./bindings";
import { newChat, openSession } from "./features/chat/store";
import { act, isUp, remoteUrl, status, verbs } from "./shared/lib/gateway";
import { withoutTitle } from "./shared/lib/describe";
import type { PaletteItem } from "./shared/lib/palette";
import { requestSetting, type SettingEntry, settingsFromSchema } from "./shared/lib/settings";
import { CommandPalette } from "./shared/ui/CommandPalette";
import { PAGES, type Page } from "./shared/ui/Sidebar";
import { mod } from "./shared/ui/Tooltip";

/** The app's command palette: pages, gateway actions, new chat, conversations, settings. */
export function AppPalette(props: { open: boolean; onOpenChange: (open: boolean) => void; go: (page: Page) => void }) {
  const [found, setFound] = createSignal<SessionView[]>([]);
  const [settings, setSettings] = createSignal<SettingEntry[]>([]);
  const [query, setQuery] = createSignal("");
  let schemaAsked = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let asked = 0;
  onCleanup(() => clearTimeout(timer));

  /** Conversations matching the query (the most recent ones for none), from the gateway. */
  async function findSessions(q: string) {
    const mine = ++asked;
    if (!isUp()) {
      setFound([]);
      return;
    }
    const r = await commands.chatSessions(q.trim() || null, q.trim() ? 8 : 5, 0);
    if (mine === asked) setFound(r.status === "ok" ? r.data.sessions : []);
  }

  function onQuery(q: string) {
    setQuery(q);
    if (!schemaAsked) {
      schemaAsked = true;
      void commands.configSchema().then((r) => {
        try {
          if (r.status === "ok") setSettings(settingsFromSchema(JSON.parse(r.data)));
          else schemaAsked = false;
        } catch {
          // Not JSON: no settings to jump to.
        }
      });
    }
    clearTimeout(timer);
    timer = setTimeout(() => void findSessions(q), q ? 150 : 0);
  }

  const items = (): PaletteItem[] => {
    const kind = status()?.state.kind;
    const words = verbs(!!remoteUrl());
    const where = remoteUrl() ? "the gateway connection" : "the gateway";
    const gateway: PaletteItem[] = [];
    if (kind === "running") {
      gateway.push({ id: "gw-restart", group: "Gateway", label: `${words.restart} ${where}`, keywords: "reload restart reconnect", run: () => act("restart") });
      gateway.push({ id: "gw-stop", group: "Gateway", label: `${words.stop} ${where}`, keywords: "stop disconnect halt", run: () => act("stop") });
    } else if (kind === "stopped" || kind === "crashed") {
      gateway.push({ id: "gw-start", group: "Gateway", label: `${words.start} ${where}`, keywords: "start connect launch run", run: () => act("start") });
    }
    const q = query().trim();
    return [
      ...PAGES.map((p) => ({ id: `page-${p.id}`, group: "Pages", label: `Go to ${p.label}`, shortcut: mod(p.key), run: () => props.go(p.id) })),
      ...gateway,
      {
        id: "new-chat",
        group: "Chat",
        label: "New chat",
        keywords: "conversation start fresh",
        run: async () => {
          props.go("chat");
          await newChat();
        },
      },
      ...found().map((s) => ({
        id: `session-${s.key}`,
        group: "Conversations",
        label: s.title,
        hint: s.preview ?? undefined,
        keywords: "open conversation session",
        prematched: q !== "",
        run: async () => {
          await openSession(s.key);
          props.go("chat");
        },
      })),
      // Settings only once something is typed: there are many.
      ...(q
        ? settings().map((s) => ({
            id: `setting-${s.path.join(".")}`,
            group: "Settings",
            label: s.title,
            // The help without the words that repeat the setting's name ("Port (default …)").
            hint: withoutTitle(s.title.split(" › ").pop() ?? s.title, s.description) ?? undefined,
            keywords: `config setting ${s.path.join(" ")}`,
            run: () => {
              requestSetting(s.path);
              props.go("config");
            },
          }))
        : []),
    ];
  };

  return <CommandPalette open={props.open} onOpenChange={props.onOpenChange} items={items()} onQuery={onQuery} />;
}
