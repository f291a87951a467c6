import { describe, expect, it } from "vitest";
import type { AppError } from "../../bindings";
import { cleanLine, configCause, presentError } from "./errors";

describe("cleanLine", () => {
  it.each([
    ["at `gateway.prot`: unknown field (did you mean `port`?)", "At gateway.prot: unknown field (did you mean port?)"],
    ["error: cannot read /tmp/.tmpAbc123/tidepool.json: denied", "Cannot read tidepool.json: denied"],
    ["could not write /var/folders/xy/T/tp-1/out.md", "Could not write out.md"],
    ["gateway exited (ran tidepool-gateway --state-dir /home/me/.tidepool --port=18789)", "Gateway exited (ran tidepool-gateway)"],
    ["unknown option --verbose", "Unknown option"],
    ["first line\nsecond line", "First line"],
    ["a well-known name -- nothing to strip", "A well-known name -- nothing to strip"],
    ["Error[E42]: boom", "Boom"],
    ["", ""],
  ])("%j → %j", (raw, want) => {
    expect(cleanLine(raw)).toBe(want);
  });
});

describe("configCause", () => {
  it.each([
    ["config /home/me/.tidepool/tidepool.json:3:15: at `gateway.prot`: unknown field (did you mean `port`?)", "gateway.prot (tidepool.json, line 3): unknown field (did you mean port?)"],
    ["invalid gateway config: config /tmp/x/tidepool.json:2:1: invalid JSON5", "tidepool.json, line 2: Invalid JSON5"],
    ["not a config message", null],
  ])("%j → %j", (raw, want) => {
    expect(configCause(raw)).toBe(want);
  });
});

describe("presentError", () => {
  const cases: [AppError, string, string][] = [
    [{ kind: "notConnected", message: "the gateway is not running" }, "Not connected to the gateway", "Start the gateway"],
    [{ kind: "unauthorized", message: "the gateway at wss://x refused the token (token mismatch)" }, "The gateway refused the credentials", "Check the gateway's token"],
    [{ kind: "forbidden", message: "missing scope `operator.admin`" }, "This connection is not allowed to do that", "permission"],
    [{ kind: "conflict", message: "the config changed since you loaded it" }, "It changed while you were editing", "Reload"],
    [{ kind: "notFound", message: "no session `agent:main:x`" }, "It no longer exists", "Refresh the list"],
    [{ kind: "unavailable", message: "the gateway is restarting" }, "The gateway is busy", "Try again in a moment"],
    [{ kind: "invalidInput", message: "port 99999 is out of range" }, "That value is not valid", "Correct it"],
    [{ kind: "keychain", message: "org.freedesktop.secrets was not provided" }, "The system keychain refused", "Unlock your keychain"],
    [{ kind: "io", message: "permission denied (os error 13)" }, "A file could not be read or written", "Check that the folder exists"],
    [{ kind: "gateway", message: "boom" }, "The gateway could not do that", "Logs page"],
  ];
  it.each(cases)("%j has its title and action", (error, title, action) => {
    const p = presentError(error);
    expect(p.title).toBe(title);
    expect(p.action).toContain(action);
    expect(p.cause).not.toContain("`");
  });

  it("keeps the raw text as details only when it says more than the cause", () => {
    const p = presentError({ kind: "notFound", message: "no session `agent:main:x`" });
    expect(p.cause).toBe("No session agent:main:x");
    expect(p.details).toBe("no session `agent:main:x`");
    expect(presentError({ kind: "gateway", message: "Boom" }).details).toBe("");
  });

  it("lets the caller name what it was doing", () => {
    const p = presentError({ kind: "io", message: "denied" }, { title: "The config could not be read", action: "Check the file." });
    expect(p).toEqual({ title: "The config could not be read", cause: "Denied", action: "Check the file.", details: "denied" });
  });

  it("presents a raw message, a config problem, a cancel and nothing", () => {
    expect(presentError("config /tmp/a/tidepool.json:1:2: at `x`: bad", { title: "The file has a mistake" })).toEqual({
      title: "The file has a mistake",
      cause: "x (tidepool.json, line 1): bad",
      action: "",
      details: "config /tmp/a/tidepool.json:1:2: at `x`: bad",
    });
    expect(presentError({ kind: "cancelled" })).toEqual({ title: "Cancelled", cause: "", action: "", details: "" });
    expect(presentError(null).title).toBe("The gateway could not do that");
  });
});
