// What the Config page's tests share: the file, the mocked gateway, the Raw editor.
import { fireEvent, screen } from "@solidjs/testing-library";
import { mockIPC } from "@tauri-apps/api/mocks";
import { EditorView } from "codemirror";
import JSON5 from "json5";
import { Config } from "./Page";
import { running } from "../../shared/test/fixtures";
import { defined, element } from "../../shared/test/dom";
import { argsOf } from "../../shared/test/ipc";
import schema from "./config-schema.json";
import { Toaster } from "../../shared/ui/Toast";

export const RAW = "// mine\n{\n  gateway: { port: 18789 },\n}\n";
export const doc = (over: object = {}) => ({ path: "/home/me/.tidepool/tidepool.json", exists: true, raw: RAW, hash: "h1", live: true, problem: null, ...over });

/** The Raw editor's view; opens Raw first if the editor has not loaded yet (it loads lazily). */
export async function rawView(): Promise<EditorView> {
  if (!screen.queryByTestId("code-editor")) fireEvent.click(screen.getByTestId("tab-raw"));
  const host = await screen.findByTestId("code-editor");
  return defined(EditorView.findFromDOM(element(host.querySelector(".cm-editor"), HTMLElement)), "the editor");
}

export async function typeInto(newText: string) {
  const view = await rawView();
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: newText } });
}

export type Calls = { cmd: string; args: Record<string, unknown> }[];

export type EditArgs = { text: string; path: string[]; value: string | null };

/** What the page sent to `config_edit`, checked. */
export function editArgs(args: Record<string, unknown>): EditArgs {
  const { text, path, value } = args;
  const isPath = (p: unknown): p is string[] => Array.isArray(p) && p.every((k) => typeof k === "string");
  if (typeof text !== "string" || !isPath(path) || (value !== null && typeof value !== "string")) throw new Error(`config_edit sent ${JSON.stringify(args)}`);
  return { text, path, value };
}

/** Stands in for the core's in-place edit (tested in crates/config-text): sets the value and
 *  marks the text, so a test can tell the page used the core's answer. */
export function edit(args: EditArgs) {
  const v = JSON5.parse(args.text.trim() === "" ? "{}" : args.text);
  let cur = v;
  for (const k of args.path.slice(0, -1)) cur = cur[k] ??= {};
  const last = args.path[args.path.length - 1];
  if (args.value === null) delete cur[last];
  else cur[last] = JSON.parse(args.value);
  return `// mine\n${JSON5.stringify(v, { space: 2, quote: "'" })}\n`;
}

export function setup(handler: (cmd: string, args: unknown) => unknown): Calls {
  const calls: Calls = [];
  mockIPC(
    (cmd, args) => {
      calls.push({ cmd, args: argsOf(args) });
      if (cmd === "gateway_status") return running;
      if (cmd === "gateway_metrics") return [];
      if (cmd === "config_schema") return JSON.stringify(schema);
      const answer = handler(cmd, argsOf(args));
      if (answer === undefined && cmd === "config_edit") return edit(editArgs(argsOf(args)));
      return answer;
    },
    { shouldMockEvents: true },
  );
  return calls;
}

/** The page with the app's toast region, for what it reports in toasts. */
export function WithToasts() {
  return (
    <>
      <Config />
      <Toaster />
    </>
  );
}

