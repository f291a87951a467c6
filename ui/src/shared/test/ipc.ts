import type { InvokeArgs } from "@tauri-apps/api/core";

/** The arguments a mocked command was invoked with: the object `commands.*` sends. */
export function argsOf(payload?: InvokeArgs): Record<string, unknown> {
  if (payload === undefined || Array.isArray(payload) || payload instanceof ArrayBuffer || ArrayBuffer.isView(payload)) return {};
  return payload;
}
