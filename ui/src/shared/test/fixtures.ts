import type { LogLine, SetupInfo_Serialize, SetupProgress_Serialize, Settings_Serialize, Status_Serialize } from "../../bindings";

export const running: Status_Serialize = {
  state: { kind: "running", pid: 4242, port: 18789, version: "0.1.0" },
  restarts: 1,
  lastError: "the gateway exited with code 1: boom",
  startedAtMs: Date.now() - 65_000,
  url: "ws://127.0.0.1:18789",
  remote: null,
  host: null,
  managedBy: null,
};
/** Connected to a gateway on another machine. */
export const remoteRunning: Status_Serialize = {
  state: { kind: "running", pid: null, port: 443, version: "0.1.0" },
  restarts: 0,
  lastError: null,
  startedAtMs: Date.now() - 5_000,
  url: "wss://gw.example.com",
  remote: "wss://gw.example.com",
  host: null,
  managedBy: null,
};
/** The local gateway installed as a systemd service (`tidepool gateway install`). */
export const serviceRunning: Status_Serialize = {
  state: { kind: "running", pid: 5150, port: 18789, version: "0.1.0" },
  restarts: 0,
  lastError: null,
  startedAtMs: Date.now() - 5_000,
  url: "ws://127.0.0.1:18789",
  remote: null,
  host: null,
  managedBy: "systemd",
};
/** Using the gateway on a host, through an SSH tunnel. */
export const hostRunning: Status_Serialize = {
  state: { kind: "running", pid: null, port: 41234, version: "0.1.0" },
  restarts: 0,
  lastError: null,
  startedAtMs: Date.now() - 5_000,
  url: "ws://127.0.0.1:41234",
  remote: null,
  host: { id: "h1", name: "Home server" },
  managedBy: null,
};
export const stopped: Status_Serialize = { state: { kind: "stopped" }, restarts: 0, lastError: null, startedAtMs: null, url: null, remote: null, host: null, managedBy: null };
export const crashed: Status_Serialize = {
  state: { kind: "crashed", reason: "invalid gateway config: config tidepool.json: at `gateway.port`: invalid type", exitCode: 78 },
  restarts: 0,
  lastError: "invalid gateway config",
  startedAtMs: null,
  url: null,
  remote: null,
  host: null,
  managedBy: null,
};
export const settings: Settings_Serialize = { theme: "system", startOnLaunch: true, closeToTray: true, port: 18789, approvalPopup: true };
export const info = { version: "0.1.0", stateDir: "/home/me/.tidepool", logDir: "/home/me/.tidepool/logs", tokenHome: "keychain", tokenProblem: null };

export function line(seq: number, message: string, level = "info"): LogLine {
  return { seq, time: "2026-11-21T14:03:05.123Z", level, target: "tidepool_gateway", message, fields: [["conn_id", `c${seq}`]] };
}

/** Setup progress of a first launch. */
export const freshSetup: SetupProgress_Serialize = {
  status: "new",
  step: "welcome",
  provider: "anthropic",
  baseUrl: null,
  keyName: null,
  models: [],
  model: null,
  workspace: null,
  execMode: "ask",
  imported: false,
};

/** What the wizard opens with, from `progress` (over a first launch) and an OpenClaw folder. */
export function setupInfo(progress: Partial<SetupProgress_Serialize> = {}, openclaw: string | null = null): SetupInfo_Serialize {
  return {
    needed: true,
    progress: { ...freshSetup, ...progress },
    openclaw,
    defaultWorkspace: "/home/me/.tidepool/workspace",
    localDefaultUrl: "http://127.0.0.1:11434/v1",
  };
}
