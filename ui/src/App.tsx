import { createEffect, createSignal, lazy, Match, on, onCleanup, onMount, Show, Suspense, Switch } from "solid-js";
import { ApprovalPrompt } from "./features/approvals/ApprovalPrompt";
import { Header } from "./shared/ui/Header";
import { Toaster } from "./shared/ui/Toast";
import { AppPalette } from "./AppPalette";
import { PAGES, type Page, Sidebar } from "./shared/ui/Sidebar";
import { commands } from "./bindings";
import { initApprovals, pageRequests } from "./features/approvals/store";
import { initGateway } from "./shared/lib/gateway";
import { initLogs } from "./features/logs/store";
import { closeSetup, loadSetup, setup, setupError } from "./features/onboarding/store";
import { initSelfTest } from "./features/dashboard/selftest";
import { initSettings } from "./features/settings/store";
import { initHosts } from "./features/hosts/store";
import { Dashboard } from "./features/dashboard/Page";
import { Logs } from "./features/logs/Page";
import { Onboarding } from "./features/onboarding/Page";
import { Settings } from "./features/settings/Page";

// The editor (CodeMirror) loads when the Config page opens, not at start-up.
const Config = lazy(() => import("./features/config/Page").then((m) => ({ default: m.Config })));
// Chat brings the Markdown renderer and code highlighter; it too loads when first opened.
const Chat = lazy(() => import("./features/chat/Page").then((m) => ({ default: m.Chat })));
const Sessions = lazy(() => import("./features/sessions/Page").then((m) => ({ default: m.Sessions })));
const Hosts = lazy(() => import("./features/hosts/Page").then((m) => ({ default: m.Hosts })));
const Approvals = lazy(() => import("./features/approvals/Page").then((m) => ({ default: m.Approvals })));

export function App() {
  const [page, setPage] = createSignal<Page>("dashboard");
  const [collapsed, setCollapsed] = createSignal(false);
  const [palette, setPalette] = createSignal(false);

  onMount(() => {
    // Ctrl/Cmd+1..7 switch pages; Ctrl/Cmd+K opens the command palette.
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey)) return;
      if (e.key.toLowerCase() === "k" && !e.shiftKey && !e.altKey) {
        if (wizard()) return;
        e.preventDefault();
        setPalette(!palette());
        return;
      }
      // Ctrl/Cmd+W: into the tray (Tidepool and the gateway keep running).
      if (e.key === "w" && !e.shiftKey && !e.altKey) {
        e.preventDefault();
        void commands.appHide();
        return;
      }
      const p = PAGES.find((x) => x.key === e.key);
      if (p) {
        e.preventDefault();
        setPage(p.id);
      }
    };
    window.addEventListener("keydown", onKey);
    onCleanup(() => window.removeEventListener("keydown", onKey));
    void loadSetup();
    void initSettings();
    void initGateway();
    void initLogs();
    void initApprovals();
    void initSelfTest();
    void initHosts();
  });
  // The tray's "N commands wait for approval" line opens the Approvals page.
  createEffect(on(pageRequests, () => setPage("approvals"), { defer: true }));

  const title = () => PAGES.find((p) => p.id === page())?.label ?? "";
  /** The setup to show the wizard for, when it is needed. */
  const wizard = () => {
    const s = setup();
    return s?.needed ? s : null;
  };

  const main = () => (
    <div class="flex h-full">
      <Sidebar page={page()} onSelect={setPage} collapsed={collapsed()} onToggle={() => setCollapsed(!collapsed())} />
      <div class="flex flex-col flex-1 min-w-0">
        <Header title={title()} onPalette={() => setPalette(true)} onJobs={() => setPage("hosts")} />
        <main class="flex-1 min-h-0 overflow-auto">
          <Switch>
            <Match when={page() === "dashboard"}>
              <Dashboard onOpenConfig={() => setPage("config")} onGo={setPage} />
            </Match>
            <Match when={page() === "chat"}>
              <Suspense fallback={<div class="tp-skeleton m-6 h-64" role="progressbar" aria-busy="true" aria-label="Loading" />}>
                <Chat />
              </Suspense>
            </Match>
            <Match when={page() === "sessions"}>
              <Suspense fallback={<div class="tp-skeleton m-6 h-64" role="progressbar" aria-busy="true" aria-label="Loading" />}>
                <Sessions onOpen={() => setPage("chat")} />
              </Suspense>
            </Match>
            <Match when={page() === "approvals"}>
              <Suspense fallback={<div class="tp-skeleton m-6 h-64" role="progressbar" aria-busy="true" aria-label="Loading" />}>
                <Approvals />
              </Suspense>
            </Match>
            <Match when={page() === "logs"}>
              <Logs />
            </Match>
            <Match when={page() === "config"}>
              <Suspense fallback={<div class="tp-skeleton m-6 h-64" role="progressbar" aria-busy="true" aria-label="Loading" />}>
                <Config />
              </Suspense>
            </Match>
            <Match when={page() === "hosts"}>
              <Suspense fallback={<div class="tp-skeleton m-6 h-64" role="progressbar" aria-busy="true" aria-label="Loading" />}>
                <Hosts />
              </Suspense>
            </Match>
            <Match when={page() === "settings"}>
              <Settings />
            </Match>
          </Switch>
        </main>
      </div>
      <ApprovalPrompt />
      <AppPalette open={palette()} onOpenChange={setPalette} go={setPage} />
    </div>
  );

  // First run (or "Run setup again"): the wizard instead of the app. Nothing shows for the
  // moment it takes to ask, so the app does not flash before the wizard.
  return (
    <>
    <Toaster />
    <Show when={setup() || setupError()}>
      <Show when={wizard()} fallback={main()}>
        {(info) => (
          <Onboarding
            info={info()}
            onDone={() => {
              closeSetup();
              setPage("chat");
            }}
          />
        )}
      </Show>
    </Show>
    </>
  );
}
