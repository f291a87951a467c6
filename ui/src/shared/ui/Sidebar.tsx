import { Archive, FileCode, LayoutDashboard, MessagesSquare, PanelLeftClose, PanelLeftOpen, ScrollText, Server, SettingsIcon, ShieldCheck } from "./icons";
import { For, type JSX, Show } from "solid-js";
import { pending } from "../../features/approvals/store";
import { mod, TipButton } from "./Tooltip";

export type Page = "dashboard" | "chat" | "sessions" | "approvals" | "logs" | "config" | "hosts" | "settings";

export const PAGES: { id: Page; label: string; icon: () => JSX.Element; key: string }[] = [
  { id: "dashboard", label: "Dashboard", icon: () => <LayoutDashboard size={18} />, key: "1" },
  { id: "chat", label: "Chat", icon: () => <MessagesSquare size={18} />, key: "2" },
  { id: "sessions", label: "Sessions", icon: () => <Archive size={18} />, key: "3" },
  { id: "approvals", label: "Approvals", icon: () => <ShieldCheck size={18} />, key: "4" },
  { id: "logs", label: "Logs", icon: () => <ScrollText size={18} />, key: "5" },
  { id: "config", label: "Config", icon: () => <FileCode size={18} />, key: "6" },
  { id: "hosts", label: "Hosts", icon: () => <Server size={18} />, key: "8" },
  { id: "settings", label: "Settings", icon: () => <SettingsIcon size={18} />, key: "7" },
];

/** Left navigation: icons and labels, collapsible. */
export function Sidebar(props: { page: Page; onSelect: (p: Page) => void; collapsed: boolean; onToggle: () => void }) {
  return (
    <nav
      aria-label="Pages"
      class={`flex flex-col border-r border-line bg-surface ${props.collapsed ? "w-14" : "w-52"} transition-[width] duration-150 shrink-0`}
    >
      <div class="flex items-center gap-2 h-14 px-3.5 border-b border-line">
        <img src="/icon.png" alt="" class="size-7 rounded-md" />
        <Show when={!props.collapsed}>
          <span class="font-semibold tracking-tight">Tidepool</span>
        </Show>
      </div>
      <ul class="flex-1 p-2 space-y-1">
        <For each={PAGES}>
          {(p) => (
            <li>
              <TipButton
                tip={p.label}
                shortcut={mod(p.key)}
                placement="right"
                data-testid={`nav-${p.id}`}
                aria-current={props.page === p.id ? "page" : undefined}
                onClick={() => props.onSelect(p.id)}
                class={`relative w-full flex items-center gap-3 rounded-md px-2.5 h-9 text-[13px] font-medium ${
                  props.page === p.id ? "bg-accent/12 text-accent" : "text-muted hover:bg-surface-2 hover:text-fg"
                }`}
              >
                {p.icon()}
                <Show when={!props.collapsed} fallback={<span class="sr-only">{p.label}</span>}>
                  {p.label}
                </Show>
                <Show when={p.id === "approvals" && pending().length}>
                  <span
                    data-testid="approvals-badge"
                    aria-hidden="true"
                    class={`${props.collapsed ? "absolute top-0.5 right-0.5" : "ml-auto"} min-w-5 h-5 px-1 rounded-full bg-warn text-surface text-[11px] font-semibold flex items-center justify-center`}
                  >
                    {pending().length}
                  </span>
                  <span class="sr-only">{pending().length} waiting</span>
                </Show>
              </TipButton>
            </li>
          )}
        </For>
      </ul>
      <button
        type="button"
        onClick={() => props.onToggle()}
        class="m-2 flex items-center gap-3 rounded-md px-2.5 h-9 text-muted hover:bg-surface-2 hover:text-fg text-[13px]"
        aria-label={props.collapsed ? "Expand sidebar" : "Collapse sidebar"}
      >
        <Show when={props.collapsed} fallback={<PanelLeftClose size={18} />}>
          <PanelLeftOpen size={18} />
        </Show>
        <Show when={!props.collapsed}>Collapse</Show>
      </button>
    </nav>
  );
}
