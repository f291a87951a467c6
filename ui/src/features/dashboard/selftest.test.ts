import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, expect, test } from "vitest";
import { argsOf } from "../../shared/test/ipc";
import { initSelfTest } from "./selftest";

afterEach(() => {
  clearMocks();
  document.body.innerHTML = "";
});

function ipc(selfTest: boolean, calls: string[]) {
  mockIPC((cmd, args) => {
    calls.push(cmd);
    if (cmd === "app_info") return { version: "0", stateDir: "/s", logDir: "/l", tokenHome: "keychain", tokenProblem: null, selfTest };
    if (cmd === "app_self_test_passed") {
      expect(argsOf(args)).toMatchObject({ what: expect.stringContaining("dashboard") });
      return null;
    }
  });
}

test("reports only once the dashboard shows the gateway running", async () => {
  const calls: string[] = [];
  ipc(true, calls);
  const done = initSelfTest(document.body);
  document.body.innerHTML = '<div data-testid="transition">Starting…</div>';
  await new Promise((r) => setTimeout(r, 20));
  expect(calls).not.toContain("app_self_test_passed");
  document.body.innerHTML = '<div data-testid="running">Running</div>';
  await done;
  expect(calls).toContain("app_self_test_passed");
});

test("does nothing without --self-test", async () => {
  const calls: string[] = [];
  ipc(false, calls);
  document.body.innerHTML = '<div data-testid="running">Running</div>';
  await initSelfTest(document.body);
  expect(calls).toEqual(["app_info"]);
});
