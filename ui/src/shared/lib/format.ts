import type { AppError } from "../../bindings";

/** The message of a command error. */
export function errorText(e: AppError): string {
  return "message" in e ? e.message : "Cancelled";
}

/** `plural(1, "model")` → "1 model", `plural(3, "model")` → "3 models". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** `3725000` ms → `1h 2m`. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${sec}s`;
  return `${sec}s`;
}

/** `12345678` → `12.3 MB`. */
export function bytes(n: number | null | undefined): string {
  if (n == null) return "—";
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)} GB`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`;
  return `${n} B`;
}

/** `2026-11-21T14:03:05.123456Z` → `14:03:05.123` (local time). */
export function clock(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const d = new Date(t);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** Money in US dollars: `$0.00`, `$0.0042` → `<$0.01`, `$1,234.50`; `null` → `—`. */
export function formatMoney(usd: number | null | undefined): string {
  if (usd == null || Number.isNaN(usd)) return "—";
  if (usd > 0 && usd < 0.01) return "<$0.01";
  return usd.toLocaleString("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

/** How long ago `ms` was, from `now`: "just now", "3 min ago", "2 h ago", "yesterday", "5 days ago",
 *  then the date; a time ahead reads "in 3 min". */
export function relativeTime(ms: number, now = Date.now()): string {
  const diff = now - ms;
  const ahead = diff < 0;
  const s = Math.abs(diff) / 1000;
  const say = (n: number, unit: string) => (ahead ? `in ${n} ${unit}` : `${n} ${unit} ago`);
  if (s < 45) return ahead ? "in a moment" : "just now";
  if (s < 3600) return say(Math.max(1, Math.round(s / 60)), "min");
  if (s < 86400) return say(Math.round(s / 3600), "h");
  const days = Math.round(s / 86400);
  if (days === 1) return ahead ? "tomorrow" : "yesterday";
  if (days < 30) return say(days, "days");
  return new Date(ms).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}

/** The exact local date and time, for the tooltip of a relative time. */
export function exactTime(ms: number): string {
  return new Date(ms).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

/** The home folder at the start of a path: `/home/me`, `/Users/me`, `/root`, `C:\Users\me`. */
const HOME = /^(?:\/home\/[^/]+|\/Users\/[^/]+|\/root|[A-Za-z]:\\Users\\[^\\]+)(?=$|[\\/])/;

/** A folder as people read it: the home folder as `~`, and a long path's middle as `…`
 *  (`/home/me/projects/acme/site/workspace` → `~/…/site/workspace`): the last folder whole, its
 *  parent when it fits. The full path belongs in a tooltip. */
export function shortPath(path: string, max = 32): string {
  const p = path.replace(HOME, "~");
  if (p.length <= max) return p;
  const sep = p.includes("\\") && !p.includes("/") ? "\\" : "/";
  const parts = p.split(sep);
  const head = parts[0] === "" ? "" : parts[0];
  const tail: string[] = [];
  for (let i = parts.length - 1; i > 0 && tail.length < 2; i--) {
    const next = [parts[i], ...tail];
    if (tail.length > 0 && [head, "…", ...next].join(sep).length > max) break;
    tail.unshift(parts[i]);
  }
  if (tail.length >= parts.length - 1) return p;
  return [head, "…", ...tail].join(sep);
}

/** Seconds as a countdown: `121` → `2:01`, `45` → `0:45`, `3725` → `1:02:05`. */
export function countdown(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}
