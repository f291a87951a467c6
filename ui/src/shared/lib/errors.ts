import type { AppError } from "../../bindings";

/** An error as the app shows it: what happened, why (one line), what to do, and the raw text. */
export type Presented = {
  /** What happened, in words ("The gateway refused the token"). */
  title: string;
  /** Why, in one line, without backticks, temporary paths or command-line flags. */
  cause: string;
  /** What to do about it; empty when there is nothing to do. */
  action: string;
  /** The raw text, for the "Details" disclosure; empty when it says nothing more than `cause`. */
  details: string;
};

type Kind = AppError["kind"];

/** The title and action each kind of error gets when the caller does not name them. */
const BY_KIND: Record<Kind, { title: string; action: string }> = {
  gateway: { title: "The gateway could not do that", action: "The Logs page shows the gateway's last lines." },
  notConnected: { title: "Not connected to the gateway", action: "Start the gateway (or connect to it), then try again." },
  unauthorized: { title: "The gateway refused the credentials", action: "Check the gateway's token, then connect again." },
  forbidden: { title: "This connection is not allowed to do that", action: "Connect with a token that has this permission." },
  conflict: { title: "It changed while you were editing", action: "Reload, then make your change again." },
  notFound: { title: "It no longer exists", action: "Refresh the list; someone else may have removed it." },
  unavailable: { title: "The gateway is busy", action: "Try again in a moment." },
  invalidInput: { title: "That value is not valid", action: "Correct it and try again." },
  keychain: { title: "The system keychain refused", action: "Unlock your keychain (or install one, e.g. GNOME Keyring), then try again." },
  io: { title: "A file could not be read or written", action: "Check that the folder exists and that you may write to it." },
  cancelled: { title: "Cancelled", action: "" },
};

/** Temporary folders whose full paths mean nothing to people. */
const TEMP_PATH = /(?:\/tmp|\/var\/folders|\/private\/var\/folders|[A-Za-z]:\\Users\\[^\\\s]+\\AppData\\Local\\Temp)[\\/][^\s'"`,;:)]*/g;
/** `--flag`, `--flag=value`, `--flag <value>` (only a value that is not itself a word of the sentence: a path or a quoted string). */
const FLAG = /\s?(?<![\w-])--[a-z][\w-]*(?:=[^\s)]+|\s+(?:\/[^\s)]+|"[^"]*"|'[^']*'))?/gi;
/** `config /x/tidepool.json:3:14: at `a.b`: what` — the gateway's config errors. */
const CONFIG_PROBLEM = /^(?:invalid gateway config:\s*)?config (.+?):(\d+):(\d+):\s*(?:at `([^`]+)`:\s*)?([\s\S]*)$/;

/** The last part of a path: `/tmp/.tpXyz/tidepool.json` → `tidepool.json`. */
function baseName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}

/**
 * One readable line of a raw message: the first line, without backticks, temporary paths
 * (their file name stays), command-line flags or an `Error:` prefix; it starts with a capital.
 */
export function cleanLine(raw: string): string {
  let s = raw.split(/\r?\n/).find((l) => l.trim()) ?? "";
  s = s.replace(/^\s*(?:error|Error|ERROR)(?:\[[^\]]*\])?:\s*/, "");
  s = s.replace(TEMP_PATH, (p) => baseName(p));
  s = s.replace(/`([^`]*)`/g, "$1").replace(/`/g, "");
  s = s.replace(FLAG, "");
  s = s.replace(/\(\s*\)/g, "").replace(/\s+([,.;:)])/g, "$1").replace(/\s{2,}/g, " ").trim();
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

/** A config error's place and what is wrong: "gateway.prot (tidepool.json, line 3): unknown field". */
export function configCause(message: string): string | null {
  const m = CONFIG_PROBLEM.exec(message.trim());
  if (!m) return null;
  const where = `${baseName(m[1])}, line ${m[2]}`;
  const what = cleanLine(m[5]);
  return m[4] ? `${m[4]} (${where}): ${what.charAt(0).toLowerCase()}${what.slice(1)}` : `${where}: ${what}`;
}

/** The error a command returned, or a raw message, as the app shows it. `title` and `action`
 *  name what the caller was doing ("The config could not be read"); the kind fills in the rest. */
export function presentError(error: AppError | string | null | undefined, opts: { title?: string; action?: string } = {}): Presented {
  const kind: Kind = typeof error === "object" && error ? error.kind : "gateway";
  const raw = typeof error === "string" ? error : error && "message" in error ? error.message : "";
  const base = BY_KIND[kind];
  const cause = configCause(raw) ?? cleanLine(raw);
  const details = raw.trim() && raw.trim() !== cause ? raw.trim() : "";
  const title = opts.title ?? (typeof error === "string" ? "That did not work" : base.title);
  const action = opts.action ?? (typeof error === "string" ? "" : base.action);
  return { title, cause: cause === title ? "" : cause, action, details };
}
