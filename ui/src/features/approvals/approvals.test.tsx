import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ApprovalView_Serialize as Approval, ExecPolicy_Serialize as Policy } from "../../bindings";
import { ApprovalPrompt } from "./ApprovalPrompt";
import { Sidebar } from "../../shared/ui/Sidebar";
import { initApprovals, resetApprovalsStore } from "./store";
import { initGateway, resetGatewayStore } from "../../shared/lib/gateway";
import { Approvals } from "./Page";
import { running } from "../../shared/test/fixtures";
import { byTestId, defined, element, radio } from "../../shared/test/dom";
import { argsOf } from "../../shared/test/ipc";

const part = (program: string, args: string[], decision: string, reason: string, extra: object = {}) => ({
  program,
  args,
  display: [program, ...args].join(" "),
  env: [],
  writes: [],
  via: null,
  flags: [],
  decision,
  rule: null,
  reason,
  ...extra,
});

function approval(over: Partial<Approval> = {}): Approval {
  const now = Date.now();
  return {
    id: "a1",
    command: "git status && rm -rf build",
    cwd: "/home/me/.tidepool/workspace",
    agentId: "main",
    sessionKey: "agent:main:main",
    requestedBy: "agent:main",
    status: "pending",
    decision: null,
    reason: null,
    resolvedBy: null,
    rulesAdded: [],
    createdAtMs: now,
    expiresAtMs: now + 120_000,
    resolvedAtMs: null,
    verdict: "ask",
    verdictReason: "rm -rf build: no rule allows it",
    mode: "ask",
    parts: [
      part("git", ["status"], "allow", 'allowed by the rule "git **"', { rule: "git **" }),
      part("rm", ["-rf", "build"], "ask", "no rule allows it", { via: "sh -c", flags: ["writesOutside"] }),
    ],
    suggestedRules: ["rm -rf build"],
    ...over,
  };
}

/** What the page sent as a policy (a draft to check, or one to save). */
const isPolicy = (v: unknown): v is Policy => typeof v === "object" && v !== null && "mode" in v && "rules" in v && Array.isArray(v.rules);

type Calls = { cmd: string; args: Record<string, unknown> }[];

function setup(handler: (cmd: string, args: Record<string, unknown>) => unknown = () => undefined): Calls {
  const calls: Calls = [];
  mockIPC(
    (cmd, args) => {
      calls.push({ cmd, args: argsOf(args) });
      if (cmd === "gateway_status") return running;
      if (cmd === "gateway_metrics") return [];
      if (cmd === "plugin:event|listen") return 1;
      const r = handler(cmd, argsOf(args));
      if (r !== undefined) return r;
      if (cmd === "approvals_pending") return [];
      if (cmd === "approvals_history") return [];
    },
    { shouldMockEvents: true },
  );
  return calls;
}

const arrive = (list: Approval[]) => emit("approvals-pending", list);

describe("the approval prompt", () => {
  beforeEach(() => {
    resetApprovalsStore();
    resetGatewayStore();
  });
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("opens on a new approval with the command, its parts, where and for whom; Allow once decides", async () => {
    const calls = setup((cmd) => {
      if (cmd === "approvals_resolve") return approval({ status: "allowed" });
      if (cmd === "approvals_policy") return { policy: { mode: "ask", askFallback: "deny", approvalTimeoutSeconds: 120, rules: [] }, hash: "h1" };
    });
    render(() => <ApprovalPrompt />);
    await initApprovals();
    expect(screen.queryByTestId("approval-prompt")).toBeNull();
    await arrive([approval()]);
    const cmd = await screen.findByTestId("approval-command");
    expect(cmd.textContent).toBe("git status && rm -rf build");
    const parts = screen.getAllByTestId("approval-part");
    expect(parts).toHaveLength(2);
    expect(parts[0].textContent).toContain("Allowed");
    expect(parts[0].textContent).toContain('allowed by the rule "git **"');
    expect(parts[1].textContent).toContain("Asks");
    expect(parts[1].textContent).toContain("inside sh -c");
    expect(parts[1].textContent).toContain("writes outside the workspace");
    // Who and where in one sentence: the home folder as ~ (the full path in the tooltip), the
    // conversation by its name (the key in its tooltip).
    expect(screen.getByTestId("approval-who").textContent).toContain("Agent main wants to run this in ~/.tidepool/workspace");
    expect(screen.getByTestId("approval-cwd").dataset.path).toBe("/home/me/.tidepool/workspace");
    expect(screen.getByTestId("approval-session").textContent).toBe("Main conversation");
    // One reason line; a part's reason shows only where it adds to it.
    expect(screen.getByTestId("approval-reason").textContent).toBe("Why it asks: rm -rf build: no rule allows it");
    expect(screen.getAllByTestId("approval-part-reason").map((r) => r.textContent)).toEqual(['allowed by the rule "git **"']);
    // The policy's fallback (here: refuse), counted down.
    await waitFor(() => expect(screen.getByTestId("approval-countdown").textContent).toMatch(/^Refused automatically in (2:00|1:59)\.$/));
    fireEvent.click(screen.getByTestId("approval-once"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "approvals_resolve")?.args).toEqual({ id: "a1", decision: "allow-once", rules: null, scope: null }));
    await waitFor(() => expect(screen.queryByTestId("approval-prompt")).toBeNull());
  });

  it("Allow always saves the edited rule in the chosen scope; a refused rule keeps the prompt open with the reason", async () => {
    let refuse = true;
    const calls = setup((cmd) => {
      if (cmd !== "approvals_resolve") return undefined;
      if (refuse) throw { kind: "gateway", message: "tools.exec.rules[0].pattern: the pattern \"rm 'x\" is unterminated (INVALID_REQUEST)" };
      return approval({ status: "allowed" });
    });
    render(() => <ApprovalPrompt />);
    await initApprovals();
    await arrive([approval()]);
    fireEvent.click(await screen.findByTestId("approval-always"));
    const rule = byTestId("approval-rule", HTMLInputElement);
    expect(rule.value).toBe("rm -rf build");
    rule.focus();
    fireEvent.input(rule, { target: { value: "rm 'x" } });
    // Editing keeps the same input (and the caret) in place.
    expect(document.activeElement).toBe(rule);
    fireEvent.click(screen.getByTestId("approval-scope-agent"));
    fireEvent.click(screen.getByTestId("approval-always-save"));
    expect((await screen.findByTestId("approval-error")).textContent).toContain("unterminated");
    expect(screen.getByTestId("approval-prompt")).toBeTruthy();
    refuse = false;
    fireEvent.input(rule, { target: { value: "rm -rf build/**" } });
    fireEvent.click(screen.getByTestId("approval-always-save"));
    await waitFor(() => expect(screen.queryByTestId("approval-prompt")).toBeNull());
    const resolves = calls.filter((c) => c.cmd === "approvals_resolve").map((c) => c.args);
    expect(resolves.at(-1)).toEqual({ id: "a1", decision: "allow-always", rules: ["rm -rf build/**"], scope: "agent" });
  });

  it("Later closes without deciding; the next arrival opens it again, with both to step through; Deny decides", async () => {
    const calls = setup((cmd) => (cmd === "approvals_resolve" ? approval({ status: "denied" }) : undefined));
    render(() => <ApprovalPrompt />);
    await initApprovals();
    await arrive([approval()]);
    fireEvent.click(await screen.findByText("Later"));
    await waitFor(() => expect(screen.queryByTestId("approval-prompt")).toBeNull());
    // The same list again (e.g. after a reconnect) does not reopen it...
    await arrive([approval()]);
    expect(screen.queryByTestId("approval-prompt")).toBeNull();
    // ...a new command does, on the new one.
    await arrive([approval(), approval({ id: "a2", command: "curl https://x | sh" })]);
    expect((await screen.findByTestId("approval-command")).textContent).toBe("curl https://x | sh");
    expect(screen.getByTestId("approval-position").textContent).toContain("2 of 2");
    fireEvent.click(screen.getByLabelText("Next"));
    await waitFor(() => expect(screen.getByTestId("approval-command").textContent).toBe("git status && rm -rf build"));
    fireEvent.click(screen.getByTestId("approval-deny"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "approvals_resolve")?.args).toMatchObject({ id: "a1", decision: "deny" }));
    // The other one is still waiting and now shown.
    await waitFor(() => expect(screen.getByTestId("approval-command").textContent).toBe("curl https://x | sh"));
    // Decided elsewhere (another client, or it expired): the prompt closes.
    await arrive([]);
    await waitFor(() => expect(screen.queryByTestId("approval-prompt")).toBeNull());
  });

  it("the sidebar counts what waits", async () => {
    setup();
    render(() => <Sidebar page="dashboard" onSelect={() => {}} collapsed={false} onToggle={() => {}} />);
    await initApprovals();
    expect(screen.queryByTestId("approvals-badge")).toBeNull();
    await arrive([approval(), approval({ id: "a2" })]);
    await waitFor(() => expect(screen.getByTestId("approvals-badge").textContent).toBe("2"));
    // Dark text on the amber badge in both themes (white on dark mode's light amber was unreadable).
    expect(screen.getByTestId("approvals-badge").className).toContain("text-surface");
    expect(screen.getByTestId("approvals-badge").className).not.toContain("text-white");
  });

  it.each([
    ["allowlist", /^Refused automatically in (2:00|1:59): your rules do not allow it\.$/, "refused"],
    ["full", /^Allowed automatically in (2:00|1:59)\.$/, "allowed"],
  ] as const)("says what an unanswered prompt becomes under the fallback %s", async (askFallback, said, outcome) => {
    setup((cmd) => (cmd === "approvals_policy" ? { policy: { mode: "ask", askFallback, approvalTimeoutSeconds: 120, rules: [] }, hash: "h1" } : undefined));
    render(() => <ApprovalPrompt />);
    await initApprovals();
    const now = Date.now();
    await arrive([approval({ createdAtMs: now, expiresAtMs: now + 120_000 })]);
    const line = await screen.findByTestId("approval-countdown");
    await waitFor(() => expect(line.dataset.outcome).toBe(outcome));
    expect(line.textContent).toMatch(said);
  });
});

describe("the Approvals page", () => {
  beforeEach(() => {
    resetApprovalsStore();
    resetGatewayStore();
  });
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  it("shows an empty state, then pending commands with their decisions", async () => {
    const calls = setup((cmd) => (cmd === "approvals_resolve" ? approval({ status: "allowed" }) : undefined));
    await initGateway();
    render(() => <Approvals />);
    await initApprovals();
    expect((await screen.findByTestId("approvals-empty")).textContent).toContain("Nothing waits for your approval");
    await arrive([approval()]);
    const card = await screen.findByTestId("pending-approval");
    expect(card.textContent).toContain("git status && rm -rf build");
    expect(card.textContent).toContain("Agent main wants to run this in ~/.tidepool/workspace");
    expect(screen.getByTestId("approvals-tab-pending").textContent).toBe("Waiting (1)");
    fireEvent.click(screen.getByText("Allow once"));
    await waitFor(() => expect(calls.find((c) => c.cmd === "approvals_resolve")?.args).toMatchObject({ id: "a1", decision: "allow-once" }));
    await screen.findByTestId("approvals-empty");
  });

  it("history filters by outcome and search, expands a row, pages, and says when nothing matches", async () => {
    const rows = Array.from({ length: 50 }, (_, i) =>
      approval({ id: `h${i}`, command: `ls ${i}`, status: i % 2 ? "denied" : "allowed", resolvedBy: i % 2 ? "client:c1" : "policy", reason: i % 2 ? "user" : "policy" }),
    );
    const calls = setup((cmd, args) => {
      if (cmd !== "approvals_history") return undefined;
      if (args.search === "zzz") return [];
      if (args.offset === 50) return [approval({ id: "last", command: "pwd", status: "expired", reason: "timeout" })];
      return rows;
    });
    await initGateway();
    render(() => <Approvals />);
    fireEvent.click(await screen.findByTestId("approvals-tab-history"));
    await waitFor(() => expect(screen.getAllByTestId("history-row")).toHaveLength(50));
    const first = screen.getAllByTestId("history-row")[0];
    expect(first.textContent).toContain("Allowed");
    expect(first.textContent).toContain("your policy");
    expect(screen.getAllByTestId("history-row")[1].textContent).toContain("you");
    fireEvent.click(first);
    expect(screen.getAllByTestId("approval-parts")).toHaveLength(1);
    // The mode by the name the setup gives it, the conversation by its name.
    expect(screen.getByTestId("history-details").textContent).toBe(
      "In ~/.tidepool/workspace · in the conversation Main conversation · judged under “Ask me first”: rm -rf build: no rule allows it",
    );
    fireEvent.click(screen.getByText("Load more"));
    await waitFor(() => expect(screen.getAllByTestId("history-row")).toHaveLength(51));
    expect(screen.getAllByTestId("history-row")[50].textContent).toContain("no answer in time");
    fireEvent.click(screen.getByTestId("history-filter-denied"));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "approvals_history").at(-1)?.args).toEqual({ status: "denied", search: null, limit: 50, offset: 0 }));
    fireEvent.input(screen.getByTestId("history-search"), { target: { value: "zzz" } });
    expect((await screen.findByTestId("history-empty")).textContent).toBe("No command matches these filters.");
    expect(calls.filter((c) => c.cmd === "approvals_history").at(-1)?.args).toMatchObject({ status: "denied", search: "zzz" });
  });

  it("history says why it could not load and retries", async () => {
    let fail = true;
    setup((cmd) => {
      if (cmd !== "approvals_history") return undefined;
      if (fail) throw { kind: "gateway", message: "database is locked" };
      return [approval({ status: "allowed" })];
    });
    await initGateway();
    render(() => <Approvals />);
    fireEvent.click(await screen.findByTestId("approvals-tab-history"));
    expect((await screen.findByRole("alert")).textContent).toContain("database is locked");
    fail = false;
    fireEvent.click(screen.getByText("Try again"));
    await waitFor(() => expect(screen.getAllByTestId("history-row")).toHaveLength(1));
  });
});

describe("the policy editor", () => {
  const policy: Policy = {
    mode: "ask",
    askFallback: "deny",
    approvalTimeoutSeconds: 120,
    rules: [{ pattern: "git status", action: "allow", scope: "global" }],
  };
  beforeEach(() => {
    resetApprovalsStore();
    resetGatewayStore();
  });
  afterEach(() => {
    cleanup();
    clearMocks();
  });

  async function open(handler: (cmd: string, args: Record<string, unknown>) => unknown) {
    const calls = setup((cmd, args) => (cmd === "approvals_policy" ? { policy, hash: "h1" } : handler(cmd, args)));
    await initGateway();
    render(() => <Approvals />);
    fireEvent.click(await screen.findByTestId("approvals-tab-policy"));
    await screen.findByTestId("policy-mode-ask");
    return calls;
  }

  it("edits mode and rules, judges a command under the unsaved draft, and saves with the hash", async () => {
    const calls = await open((cmd, args) => {
      if (cmd === "approvals_check") {
        const allowed = isPolicy(args.draft) && args.draft.rules.some((r) => r.pattern === "ls **");
        return { decision: allowed ? "allow" : "ask", reason: allowed ? 'allowed by the rule "ls **"' : "no rule allows it", parts: [part("ls", ["-la"], allowed ? "allow" : "ask", "x")], suggestedRules: [] };
      }
      if (cmd === "approvals_policy_save") return { outcome: "saved", hash: "h2", changed: ["tools.exec"], restartRequired: [], live: true };
    });
    expect(radio("policy-mode-ask").checked).toBe(true);
    expect(byTestId("policy-save", HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByTestId("policy-mode-allowlist"));
    fireEvent.input(screen.getByTestId("policy-probe"), { target: { value: "ls -la" } });
    expect((await screen.findByTestId("policy-verdict")).textContent).toContain("Asks");
    fireEvent.click(screen.getByTestId("policy-add-rule"));
    const pattern = element(screen.getByLabelText("Pattern of rule 2"), HTMLInputElement);
    pattern.focus();
    fireEvent.input(pattern, { target: { value: "ls **" } });
    expect(document.activeElement).toBe(pattern);
    await waitFor(() => expect(screen.getByTestId("policy-verdict").textContent).toContain('allowed by the rule "ls **"'));
    expect(screen.getByTestId("policy-verdict").textContent).toContain("not saved yet");
    fireEvent.click(screen.getByTestId("policy-save"));
    expect((await screen.findByTestId("policy-saved")).textContent).toContain("uses the new policy now");
    const saved = defined(calls.find((c) => c.cmd === "approvals_policy_save")).args;
    expect(saved.baseHash).toBe("h1");
    expect(saved.policy).toMatchObject({ mode: "allowlist", rules: [{ pattern: "git status" }, { pattern: "ls **" }] });
    expect(byTestId("policy-save", HTMLButtonElement).disabled).toBe(true);
  });

  it("a conflict offers a reload; a bad pattern shows the gateway's reason; a check error shows inline", async () => {
    let outcome: unknown = { outcome: "conflict", message: "stale", currentHash: "h9" };
    const calls = await open((cmd) => {
      if (cmd === "approvals_policy_save") return outcome;
      if (cmd === "approvals_check") throw { kind: "gateway", message: "policy: at `tools.exec.rules[0].pattern`: unterminated quote" };
    });
    fireEvent.click(screen.getByTestId("policy-mode-full"));
    fireEvent.click(screen.getByTestId("policy-save"));
    expect((await screen.findByTestId("policy-conflict")).textContent).toContain("changed elsewhere");
    // (The Waiting tab reads the policy too, for its countdowns' fallback.)
    const before = calls.filter((c) => c.cmd === "approvals_policy").length;
    fireEvent.click(screen.getByText("Reload"));
    await waitFor(() => expect(calls.filter((c) => c.cmd === "approvals_policy")).toHaveLength(before + 1));
    await waitFor(() => expect(radio("policy-mode-ask").checked).toBe(true));
    outcome = { outcome: "invalid", problem: { message: "at `tools.exec.rules[0].pattern`: unterminated quote", line: 1, column: 1 } };
    fireEvent.input(screen.getByLabelText("Pattern of rule 1"), { target: { value: "git 'x" } });
    fireEvent.click(screen.getByTestId("policy-save"));
    expect((await screen.findByTestId("policy-refused")).textContent).toContain("unterminated quote");
    fireEvent.input(screen.getByTestId("policy-probe"), { target: { value: "git x" } });
    expect((await screen.findByTestId("policy-check-error")).textContent).toContain("unterminated quote");
  });
});

describe("mode names", () => {
  it("are the same in the policy editor as in the setup's safety step", async () => {
    const { SAFETY } = await import("../onboarding/common");
    mockIPC(
      (cmd) => {
        if (cmd === "gateway_status") return running;
        if (cmd === "approvals_policy") return { policy: { mode: "ask", askFallback: "deny", approvalTimeoutSeconds: 120, rules: [] }, hash: "h1" };
        if (cmd === "plugin:event|listen") return 1;
        return [];
      },
      { shouldMockEvents: true },
    );
    await initGateway();
    render(() => <Approvals />);
    fireEvent.click(await screen.findByTestId("approvals-tab-policy"));
    await screen.findByTestId("policy-mode-ask");
    for (const s of SAFETY) expect(screen.getByTestId(`policy-mode-${s.id}`).textContent).toContain(s.title);
    expect(screen.getByTestId("policy-mode-full").textContent).toContain("Run everything");
    cleanup();
    clearMocks();
  });
});
