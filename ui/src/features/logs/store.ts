import { batch, createSignal } from "solid-js";
import { commands, events, type LogLine } from "../../bindings";

/** Lines kept in the UI; older ones fall off (the files on disk keep everything). */
export const MAX_LINES = 100_000;

const [lines, setLines] = createSignal<LogLine[]>([], { equals: false });
const [paused, setPausedSignal] = createSignal(false);
const [held, setHeld] = createSignal(0);
const [loaded, setLoaded] = createSignal(false);
let buffer: LogLine[] = [];
let pending: LogLine[] = [];
let started = false;

export { lines, paused, held, loaded };

function append(batchLines: LogLine[]) {
  buffer.push(...batchLines);
  if (buffer.length > MAX_LINES) buffer = buffer.slice(buffer.length - MAX_LINES);
  setLines(buffer);
}

/** Pauses or resumes the live view; lines that arrive while paused are kept and shown on resume. */
export function setPaused(p: boolean) {
  batch(() => {
    setPausedSignal(p);
    if (!p && pending.length) {
      append(pending);
      pending = [];
      setHeld(0);
    }
  });
}

/** Empties the view (not the files); returns what it took away, for `restoreLines`. */
export function clearLines(): LogLine[] {
  const cleared = [...buffer, ...pending];
  buffer = [];
  pending = [];
  batch(() => {
    setHeld(0);
    setLines(buffer);
  });
  return cleared;
}

/** Undoes a clear: the cleared lines come back before those that arrived since. */
export function restoreLines(cleared: LogLine[]) {
  buffer = [...cleared, ...buffer];
  if (buffer.length > MAX_LINES) buffer = buffer.slice(buffer.length - MAX_LINES);
  setLines(buffer);
}

/** Loads recent history and follows new lines. Safe to call more than once. */
export async function initLogs(): Promise<void> {
  if (started) return;
  started = true;
  // Another gateway's log from now on: what was shown belongs to the one before.
  await events.logsSource.listen(() => {
    buffer = [];
    pending = [];
    batch(() => {
      setHeld(0);
      setLines(buffer);
    });
  });
  await events.logBatch.listen((e) => {
    const incoming = e.payload;
    if (paused()) {
      pending.push(...incoming);
      if (pending.length > MAX_LINES) pending = pending.slice(pending.length - MAX_LINES);
      setHeld(pending.length);
    } else {
      append(incoming);
    }
  });
  const recent = await commands.logsRecent(5000);
  // Lines that arrived while history loaded are newer than it: keep the order by seq.
  const seen = new Set(buffer.map((l) => l.seq));
  buffer = [...recent.filter((l) => !seen.has(l.seq)), ...buffer].sort((a, b) => a.seq - b.seq);
  setLines(buffer);
  setLoaded(true);
}

/** For tests: forget everything. */
export function resetLogStore(): void {
  started = false;
  buffer = [];
  pending = [];
  batch(() => {
    setLines([]);
    setPausedSignal(false);
    setHeld(0);
    setLoaded(false);
  });
}

/** A line as plain text, for copy and export. */
export function lineText(l: LogLine): string {
  const fields = l.fields.map(([k, v]) => `${k}=${v}`).join(" ");
  return [l.time, l.level.toUpperCase(), l.message, fields].filter(Boolean).join(" ");
}
