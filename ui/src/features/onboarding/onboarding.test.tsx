import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "../../App";
import { Onboarding } from "./Page";
import { running, settings, info as appInfo, setupInfo } from "../../shared/test/fixtures";
import { byTestId, defined, radio } from "../../shared/test/dom";
import { closeSetup, loadSetup, rerunSetup, resetSetupStore, setup } from "./store";
import { argsOf } from "../../shared/test/ipc";

const KEY = "sk-unit-test-key-123456";

const info = setupInfo;

type Calls = { cmd: string; args: Record<string, unknown> }[];

function ipc(handlers: Record<string, (args: Record<string, unknown>) => unknown>): Calls {
  const calls: Calls = [];
  mockIPC((cmd, payload) => {
    const args = argsOf(payload);
    calls.push({ cmd, args });
    if (cmd === "onboarding_save") return null;
    const h = handlers[cmd];
    if (h) return h(args);
  });
  return calls;
}

const models = [
  { id: "gpt-3.5-turbo", name: "gpt-3.5-turbo" },
  { id: "gpt-4.1", name: "gpt-4.1" },
];

function type(testid: string, value: string) {
  fireEvent.input(screen.getByTestId(testid), { target: { value } });
}

describe("Onboarding", () => {
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("refuses a wrong key with the reason, then stores a good one and never saves the key", async () => {
    const calls = ipc({
      onboarding_check_provider: (a) =>
        a.key === KEY
          ? { outcome: "ok", models, suggested: "gpt-4.1", keyName: "OPENAI_API_KEY" }
          : { outcome: "failed", kind: "auth", message: "openai refused the API key (Incorrect API key provided)" },
    });
    render(() => <Onboarding info={info()} onDone={() => {}} />);
    fireEvent.click(screen.getByTestId("welcome-next"));
    await screen.findByTestId("step-provider");
    fireEvent.click(radio("provider-openai"));
    type("provider-key", "sk-wrong");
    fireEvent.click(screen.getByTestId("provider-check"));
    const problem = await screen.findByTestId("provider-problem");
    expect(problem.textContent).toContain("OpenAI refused that key");
    expect(problem.textContent).toContain("Incorrect API key provided");

    type("provider-key", KEY);
    fireEvent.click(screen.getByTestId("provider-check"));
    await screen.findByTestId("step-model");
    const checked = screen.getAllByTestId("model-option").find((o) => o.querySelector("input")?.checked);
    expect(checked?.textContent).toContain("gpt-4.1");
    expect(calls.filter((c) => c.cmd === "onboarding_check_provider").map((c) => c.args.provider)).toEqual(["openai", "openai"]);
    const saves = calls.filter((c) => c.cmd === "onboarding_save");
    expect(saves.at(-1)?.args.progress).toMatchObject({ step: "model", keyName: "OPENAI_API_KEY", model: "gpt-4.1", status: "inProgress" });
    for (const s of saves) expect(JSON.stringify(s.args)).not.toContain(KEY);
  });

  it("checks a local server at the usual address and says when it cannot be reached", async () => {
    const calls = ipc({
      onboarding_check_provider: () => ({
        outcome: "failed",
        kind: "unreachable",
        message: "cannot reach local at http://127.0.0.1:11434/v1: connection refused",
      }),
    });
    render(() => <Onboarding info={info({ step: "provider" })} onDone={() => {}} />);
    fireEvent.click(radio("provider-local"));
    expect(byTestId("provider-url", HTMLInputElement).value).toBe("http://127.0.0.1:11434/v1");
    fireEvent.click(screen.getByTestId("provider-check"));
    expect((await screen.findByTestId("provider-problem")).textContent).toContain("The server could not be reached");
    const call = calls.find((c) => c.cmd === "onboarding_check_provider");
    expect(call?.args).toMatchObject({ provider: "local", baseUrl: "http://127.0.0.1:11434/v1", key: null });
  });

  it("resumes where it stopped, and can start over", async () => {
    ipc({});
    render(() => <Onboarding info={info({ status: "inProgress", step: "model", provider: "openai", models, model: "gpt-4.1" })} onDone={() => {}} />);
    expect(screen.getByTestId("onboarding-resumed")).toBeTruthy();
    expect(screen.getByTestId("step-model")).toBeTruthy();
    fireEvent.click(screen.getByText("Start over"));
    await screen.findByTestId("step-welcome");
  });

  it("finishes: writes the plan, retries a failed start from there, shows the reply, opens Chat", async () => {
    let starts = 0;
    const calls = ipc({
      onboarding_write_config: () => null,
      onboarding_start_gateway: () => {
        starts += 1;
        if (starts === 1) throw { kind: "gateway", message: "the gateway exited with code 78" };
        return null;
      },
      onboarding_finish: () => "Hi, I am your **assistant**.",
    });
    const done = vi.fn();
    render(() => (
      <Onboarding
        info={info({ status: "inProgress", step: "workspace", provider: "openai", keyName: "OPENAI_API_KEY", models, model: "gpt-4.1" })}
        onDone={done}
      />
    ));
    fireEvent.click(radio("safety-deny"));
    type("workspace-folder", "/home/me/notes");
    fireEvent.click(screen.getByTestId("workspace-next"));
    await screen.findByTestId("step-finish");
    expect(screen.getByTestId("finish-summary").textContent).toContain("Never run programs");
    fireEvent.click(screen.getByTestId("finish-run"));
    const problem = await screen.findByTestId("finish-problem");
    expect(problem.textContent).toContain("Starting your assistant did not work");
    expect(problem.textContent).toContain("exited with code 78");
    expect(screen.getByTestId("phase-config").dataset.state).toBe("done");
    fireEvent.click(screen.getByTestId("finish-run"));
    await screen.findByTestId("finish-reply");
    expect(screen.getByTestId("finish-reply").innerHTML).toContain("<strong>assistant</strong>");
    expect(calls.filter((c) => c.cmd === "onboarding_write_config")).toHaveLength(1);
    expect(calls.find((c) => c.cmd === "onboarding_write_config")?.args.plan).toEqual({
      provider: "openai",
      baseUrl: null,
      keyName: "OPENAI_API_KEY",
      model: "gpt-4.1",
      workspace: "/home/me/notes",
      execMode: "deny",
    });
    fireEvent.click(screen.getByTestId("finish-open-chat"));
    expect(done).toHaveBeenCalled();
  });

  it("imports from OpenClaw after showing the report, and skips writing a config", async () => {
    const report = {
      source: "/home/me/.openclaw/openclaw.json",
      configPath: "/home/me/.tidepool/tidepool.json",
      dryRun: true,
      carried: [{ path: "models.providers.openai", note: "1 model" }],
      notCarried: [{ path: "channels", note: "not supported by Tidepool yet" }],
      secrets: [{ name: "OPENAI_API_KEY", from: "models.providers.openai.apiKey", stored: true, note: "moved into the store" }],
      folders: [{ from: "/a", to: "/b", files: 3, bytes: 2048, keptExisting: 0, skipped: 0, note: "workspace of agent main" }],
      conversations: [{ key: "agent:main:main", agentId: "main", messages: 12, skipped: 4, note: "would be carried over" }],
      leftBehind: [{ path: "cron jobs (2)", note: "Tidepool runs no scheduled jobs yet" }],
    };
    const calls = ipc({
      onboarding_import: (a) => ({ ...report, dryRun: a.dryRun }),
      onboarding_start_gateway: () => null,
      onboarding_finish: () => "Hello again.",
    });
    render(() => <Onboarding info={info({}, "/home/me/.openclaw")} onDone={() => {}} />);
    fireEvent.click(radio("welcome-import"));
    fireEvent.click(screen.getByTestId("welcome-next"));
    await screen.findByTestId("import-report");
    expect(screen.getByTestId("import-not-carried").textContent).toContain("not supported by Tidepool yet");
    expect(screen.getByTestId("import-secrets").textContent).toContain("OPENAI_API_KEY");
    expect(screen.getByTestId("import-folders").textContent).toContain("3 files, 2.0 kB");
    expect(screen.getByTestId("import-conversations").textContent).toContain("Main conversation: 12 messages");
    expect(screen.getByTestId("import-left-behind").textContent).toContain("cron jobs (2)");
    fireEvent.click(screen.getByTestId("import-apply"));
    await screen.findByTestId("step-finish");
    expect(screen.getByTestId("finish-summary").textContent).toContain("Imported from OpenClaw");
    fireEvent.click(screen.getByTestId("finish-run"));
    await screen.findByTestId("finish-reply");
    expect(calls.filter((c) => c.cmd === "onboarding_import").map((c) => c.args.dryRun)).toEqual([true, false]);
    expect(calls.some((c) => c.cmd === "onboarding_write_config")).toBe(false);
  });

  it("shows why an import cannot be read, with a way to try again", async () => {
    let n = 0;
    ipc({
      onboarding_import: () => {
        n += 1;
        throw { kind: "gateway", message: "cannot read the OpenClaw config: openclaw.json:3:5: unexpected token" };
      },
    });
    render(() => <Onboarding info={info({ status: "inProgress", step: "import" }, "/home/me/.openclaw")} onDone={() => {}} />);
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("openclaw.json:3:5"));
    expect(byTestId("import-apply", HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByText("Try again"));
    await waitFor(() => expect(n).toBe(2));
  });
  it("speaks of a server on this computer as your server: models found, no key checked", async () => {
    ipc({
      onboarding_check_provider: () => ({ outcome: "ok", models: models.slice(0, 1), suggested: null, keyName: null }),
    });
    render(() => <Onboarding info={info({ step: "provider" })} onDone={() => {}} />);
    fireEvent.click(radio("provider-local"));
    const note = screen.getByTestId("provider-key-note").textContent ?? "";
    expect(note).not.toMatch(/checked with/);
    expect(note).not.toContain("On this computer");
    fireEvent.click(screen.getByTestId("provider-check"));
    const step = await screen.findByTestId("step-model");
    expect(step.textContent).toContain("Found 1 model on your server.");
    expect(step.textContent).not.toContain("On this computer");
    // One model: nothing to "pick" among.
    expect(step.textContent).toContain("It is selected");
    expect(step.textContent).not.toContain("The one selected is a good start");
  });

  it("sums up a local server without a key as your server, no key needed", async () => {
    ipc({});
    render(() => (
      <Onboarding
        info={info({ status: "inProgress", step: "finish", provider: "local", baseUrl: "http://127.0.0.1:11434/v1", models: models.slice(0, 1), model: "gpt-4.1" })}
        onDone={() => {}}
      />
    ));
    const summary = screen.getByTestId("finish-summary").textContent ?? "";
    expect(summary).toContain("Your server at http://127.0.0.1:11434/v1");
    expect(summary).toContain("None needed");
    expect(summary).not.toContain("On this computer");
  });

  it("keeps Back and Continue in view: every step's buttons are in a sticky footer", async () => {
    ipc({});
    for (const step of ["welcome", "provider", "model", "workspace", "finish"]) {
      const { unmount } = render(() => (
        <Onboarding info={info({ status: "inProgress", step, provider: "openai", models, model: "gpt-4.1" })} onDone={() => {}} />
      ));
      const footer = await screen.findByTestId("step-footer");
      expect(footer.className).toContain("sticky");
      expect(footer.className).toContain("bottom-0");
      expect(footer.querySelector('button[type="submit"], [data-testid="finish-run"]')).toBeTruthy();
      unmount();
    }
  });

  it("no longer says it is picking up where you left off once the last step runs", async () => {
    ipc({ onboarding_write_config: () => null, onboarding_start_gateway: () => null, onboarding_finish: () => "Hello." });
    render(() => (
      <Onboarding info={info({ status: "inProgress", step: "finish", provider: "openai", keyName: "OPENAI_API_KEY", models, model: "gpt-4.1" })} onDone={() => {}} />
    ));
    expect(screen.getByTestId("onboarding-resumed").textContent).toContain("Picking up where you left off");
    fireEvent.click(screen.getByTestId("finish-run"));
    await screen.findByTestId("finish-reply");
    expect(screen.queryByTestId("onboarding-resumed")).toBeNull();
  });

  it("run again from Settings after finishing, it does not say it is picking up anything", async () => {
    ipc({ onboarding_info: () => info({ status: "done", step: "welcome" }) });
    await loadSetup();
    expect(await rerunSetup("remote")).toBeNull();
    render(() => <Onboarding info={defined(setup())} onDone={() => {}} />);
    await screen.findByTestId("step-remote");
    expect(screen.queryByTestId("onboarding-resumed")).toBeNull();
    closeSetup();
    resetSetupStore();
  });

  it("counts several models on a local server and names a service that checks the key", async () => {
    ipc({});
    const three = [...models, { id: "llama3.2", name: "llama3.2" }];
    const { unmount } = render(() => (
      <Onboarding info={info({ status: "inProgress", step: "model", provider: "local", models: three, model: "llama3.2" })} onDone={() => {}} />
    ));
    expect(screen.getByTestId("step-model").textContent).toContain("Found 3 models on your server.");
    unmount();
    render(() => <Onboarding info={info({ status: "inProgress", step: "model", provider: "anthropic", models, model: "gpt-4.1" })} onDone={() => {}} />);
    expect(screen.getByTestId("step-model").textContent).toContain("Anthropic offers 2 models.");
    fireEvent.click(screen.getByText("Back"));
    await screen.findByTestId("step-provider");
    expect(screen.getByTestId("provider-key-note").textContent).toContain("checked with Anthropic");
  });

  it("a local server that refuses a key is called your server", async () => {
    ipc({ onboarding_check_provider: () => ({ outcome: "failed", kind: "auth", message: "the server answered 401" }) });
    render(() => <Onboarding info={info({ step: "provider", provider: "local" })} onDone={() => {}} />);
    type("provider-key", "some-key");
    fireEvent.click(screen.getByTestId("provider-check"));
    expect((await screen.findByTestId("provider-problem")).textContent).toContain("Your server refused that key");
  });

  it("Browse… fills the folder from the system dialog; Cancel leaves it as it was", async () => {
    const answers: unknown[] = ["/home/me/Documents/notes", null];
    const calls = ipc({
      pick_folder: () => {
        const a = answers.shift();
        if (a instanceof Error) throw { kind: "io", message: a.message };
        return a;
      },
    });
    render(() => <Onboarding info={info({ status: "inProgress", step: "workspace", provider: "openai", models, model: "gpt-4.1" })} onDone={() => {}} />);
    const field = byTestId("workspace-folder", HTMLInputElement);
    expect(field.value).toBe("/home/me/.tidepool/workspace");
    fireEvent.click(screen.getByTestId("workspace-browse"));
    await waitFor(() => expect(field.value).toBe("/home/me/Documents/notes"));
    // The dialog opens where the field points.
    expect(calls.filter((c) => c.cmd === "pick_folder").map((c) => c.args.start)).toEqual(["/home/me/.tidepool/workspace"]);
    fireEvent.click(screen.getByTestId("workspace-browse"));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "pick_folder")).toHaveLength(2));
    await waitFor(() => expect(byTestId("workspace-browse", HTMLButtonElement).disabled).toBe(false));
    expect(field.value).toBe("/home/me/Documents/notes");
    expect(calls.filter((c) => c.cmd === "pick_folder")[1].args.start).toBe("/home/me/Documents/notes");
    answers.push(new Error("no dialog backend"));
    fireEvent.click(screen.getByTestId("workspace-browse"));
    expect((await screen.findByTestId("workspace-browse-error")).textContent).toContain("no dialog backend");
    expect(field.value).toBe("/home/me/Documents/notes");
    fireEvent.click(screen.getByTestId("workspace-next"));
    await screen.findByTestId("step-finish");
    expect(screen.getByTestId("finish-summary").textContent).toContain("/home/me/Documents/notes");
  });

  it("Open Chat lands in the composer: typing goes there at once", async () => {
    mockIPC(
      (cmd) => {
        switch (cmd) {
          case "onboarding_info":
            return info({ status: "inProgress", step: "finish", provider: "openai", keyName: "OPENAI_API_KEY", models, model: "gpt-4.1" });
          case "onboarding_save":
          case "onboarding_write_config":
          case "onboarding_start_gateway":
            return null;
          case "onboarding_finish":
            return "Hello!";
          case "settings_get":
            return settings;
          case "app_info":
            return appInfo;
          case "gateway_status":
            return running;
          case "gateway_metrics":
          case "logs_recent":
          case "approvals_pending":
          case "chat_history":
          case "chat_models":
            return [];
          case "chat_sessions":
            return { sessions: [], total: 0 };
          case "plugin:event|listen":
            return 1;
        }
      },
      { shouldMockEvents: true },
    );
    render(() => <App />);
    fireEvent.click(await screen.findByTestId("finish-run"));
    fireEvent.click(await screen.findByTestId("finish-open-chat"));
    const composer = await screen.findByTestId("composer", {}, { timeout: 5000 });
    await waitFor(() => expect(document.activeElement).toBe(composer));
  });
});
