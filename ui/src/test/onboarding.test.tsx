import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Onboarding } from "../pages/Onboarding";
import { setupInfo } from "./fixtures";

const KEY = "sk-unit-test-key-123456";

const info = setupInfo;

type Calls = { cmd: string; args: any }[];

function ipc(handlers: Record<string, (args: any) => unknown>): Calls {
  const calls: Calls = [];
  mockIPC((cmd, args) => {
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
    fireEvent.click(screen.getByTestId("provider-openai").querySelector("input")!);
    type("provider-key", "sk-wrong");
    fireEvent.click(screen.getByTestId("provider-check"));
    const problem = await screen.findByTestId("provider-problem");
    expect(problem.textContent).toContain("OpenAI refused that key");
    expect(problem.textContent).toContain("Incorrect API key provided");

    type("provider-key", KEY);
    fireEvent.click(screen.getByTestId("provider-check"));
    await screen.findByTestId("step-model");
    const checked = screen.getAllByTestId("model-option").find((o) => o.querySelector("input")!.checked);
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
    fireEvent.click(screen.getByTestId("provider-local").querySelector("input")!);
    expect((screen.getByTestId("provider-url") as HTMLInputElement).value).toBe("http://127.0.0.1:11434/v1");
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
    fireEvent.click(screen.getByTestId("safety-deny").querySelector("input")!);
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
    };
    const calls = ipc({
      onboarding_import: (a) => ({ ...report, dryRun: a.dryRun }),
      onboarding_start_gateway: () => null,
      onboarding_finish: () => "Hello again.",
    });
    render(() => <Onboarding info={info({}, "/home/me/.openclaw")} onDone={() => {}} />);
    fireEvent.click(screen.getByTestId("welcome-import").querySelector("input")!);
    fireEvent.click(screen.getByTestId("welcome-next"));
    await screen.findByTestId("import-report");
    expect(screen.getByTestId("import-not-carried").textContent).toContain("not supported by Tidepool yet");
    expect(screen.getByTestId("import-secrets").textContent).toContain("OPENAI_API_KEY");
    expect(screen.getByTestId("import-folders").textContent).toContain("3 files, 2.0 kB");
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
    expect((screen.getByTestId("import-apply") as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByText("Try again"));
    await waitFor(() => expect(n).toBe(2));
  });
});
