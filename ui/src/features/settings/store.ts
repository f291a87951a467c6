import { createSignal } from "solid-js";
import { commands, type AppError, type AppInfo_Serialize as AppInfo, type Settings_Serialize as Settings, type Theme } from "../../bindings";
import { errorText } from "../../shared/lib/format";

const [settings, setSettingsSignal] = createSignal<Settings | null>(null);
const [info, setInfo] = createSignal<AppInfo | null>(null);
const [loadError, setLoadError] = createSignal<string | null>(null);
/** Whether the system opens Tidepool at login (null until read, or when it cannot be read). */
const [autostart, setAutostart] = createSignal<boolean | null>(null);

export { settings, info, loadError, autostart };

const media = () => window.matchMedia("(prefers-color-scheme: dark)");

/** Puts the theme on <html>: `dark` class for dark, or the OS preference for `system`. */
export function applyTheme(theme: Theme) {
  const dark = theme === "dark" || (theme === "system" && media().matches);
  document.documentElement.classList.toggle("dark", dark);
  document.documentElement.dataset.theme = theme;
}

let started = false;

export async function initSettings(): Promise<void> {
  if (started) return;
  started = true;
  try {
    const s = await commands.settingsGet();
    setSettingsSignal(s);
    applyTheme(s.theme);
    media().addEventListener("change", () => {
      const t = settings()?.theme;
      if (t) applyTheme(t);
    });
    setInfo(await commands.appInfo());
    const a = await commands.appAutostartGet();
    setAutostart(a.status === "ok" ? a.data : null);
  } catch (e) {
    setLoadError(String(e));
  }
}

/** Saves a change; returns the error message, if any. */
export async function saveSettings(next: Settings): Promise<string | null> {
  const r = await commands.settingsSet(next);
  if (r.status === "ok") {
    setSettingsSignal(r.data);
    applyTheme(r.data.theme);
    return null;
  }
  const e: AppError = r.error;
  return "message" in e ? e.message : "Cancelled";
}

/** Opens Tidepool at login, or stops doing so; returns the error message, if any. The switch
 *  shows what the system reports afterwards. */
export async function saveAutostart(enabled: boolean): Promise<string | null> {
  const r = await commands.appAutostartSet(enabled);
  if (r.status === "ok") {
    setAutostart(r.data);
    return null;
  }
  return errorText(r.error);
}

/** For tests. */
export function resetSettingsStore() {
  started = false;
  setSettingsSignal(null);
  setInfo(null);
  setLoadError(null);
  setAutostart(null);
}
