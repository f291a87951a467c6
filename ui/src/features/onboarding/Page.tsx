import { errorText } from "../../shared/lib/format";
import { createSignal, For, Match, Show, Switch } from "solid-js";
import { type AppError, commands, type SetupInfo_Serialize } from "../../bindings";
import { Button } from "../../shared/ui/Button";
import { ModelStep, WorkspaceStep } from "./ChoiceSteps";
import { Choice, Choices, Problem, type Progress, SAFETY, StepFooter, StepHeading, providerName } from "./common";
import { ImportStep } from "./ImportStep";
import { ProviderStep } from "./ProviderStep";
import { RemoteStep } from "../remote/RemoteStep";
import { Markdown } from "../../shared/ui/Markdown";
import { rerun } from "./store";

const FIRST_MESSAGE = "Hello! Please introduce yourself in one or two sentences.";

const STEPS = [
  { id: "welcome", label: "Welcome" },
  { id: "provider", label: "Provider" },
  { id: "model", label: "Model" },
  { id: "workspace", label: "Workspace" },
  { id: "finish", label: "Finish" },
];
/** Connecting to a gateway elsewhere has nothing to set up here: two steps. */
const REMOTE_STEPS = [
  { id: "welcome", label: "Welcome" },
  { id: "remote", label: "Connect" },
];

type Phase = "config" | "start" | "hello";
const PHASES: { id: Phase; label: string }[] = [
  { id: "config", label: "Saving your settings" },
  { id: "start", label: "Starting your assistant" },
  { id: "hello", label: "Saying hello" },
];

/** The first-run setup: welcome → provider → model → workspace → finish (or import → finish). */
export function Onboarding(props: { info: SetupInfo_Serialize; onDone: () => void }) {
  const [progress, setProgress] = createSignal<Progress>({
    ...props.info.progress,
    status: "inProgress",
  });
  // Left off in the middle of a first setup (not started again from Settings after finishing).
  const resumed = !rerun() && props.info.progress.status === "inProgress" && props.info.progress.step !== "welcome";
  // Once the last step runs, the setup is being finished: nothing is "picked up" any more.
  const [finishing, setFinishing] = createSignal(false);
  const [saveError, setSaveError] = createSignal<string | null>(null);

  /** Every step is saved as it is reached: quitting resumes here. */
  async function go(patch: Partial<Progress>) {
    const next = { ...progress(), ...patch };
    setProgress(next);
    const r = await commands.onboardingSave(next);
    setSaveError(r.status === "error" ? errorText(r.error) : null);
  }

  const steps = () => (progress().step === "remote" ? REMOTE_STEPS : STEPS);
  const stepIndex = () => {
    const s = progress().step === "import" ? "provider" : progress().step;
    return Math.max(0, steps().findIndex((x) => x.id === s));
  };

  /** Connected to a remote gateway: nothing else to do here. */
  async function connected() {
    await go({ status: "done", step: "welcome", imported: false });
    props.onDone();
  }

  return (
    <div class="h-full overflow-auto bg-bg" data-testid="onboarding">
      <div class="mx-auto max-w-2xl px-6 py-10 space-y-8">
        <div class="flex items-center gap-3">
          <div class="size-9 rounded-lg bg-accent text-accent-fg grid place-items-center font-bold">T</div>
          <div class="text-[15px] font-semibold">Tidepool setup</div>
        </div>
        <ol class="flex gap-2" aria-label="Setup steps">
          <For each={steps()}>
            {(s, i) => (
              <li
                class="flex-1"
                aria-current={i() === stepIndex() ? "step" : undefined}
                data-testid={`stepper-${s.id}`}
              >
                <div class={`h-1 rounded-full ${i() <= stepIndex() ? "bg-accent" : "bg-surface-2"}`} />
                <div class={`mt-1.5 text-[12px] ${i() === stepIndex() ? "text-fg font-medium" : "text-muted"}`}>{s.label}</div>
              </li>
            )}
          </For>
        </ol>
        <Show when={resumed && !finishing() && progress().step === props.info.progress.step}>
          <div class="flex items-center justify-between rounded-lg border border-line bg-surface px-4 py-2.5 text-[13px]" data-testid="onboarding-resumed">
            <span>Picking up where you left off.</span>
            <button type="button" class="text-accent hover:underline" onClick={() => go({ step: "welcome", imported: false })}>
              Start over
            </button>
          </div>
        </Show>
        <Show when={saveError()}>
          <Problem title="Your progress could not be saved">{saveError()}</Problem>
        </Show>
        <Switch>
          <Match when={progress().step === "welcome"}>
            <Welcome
              info={props.info}
              onFresh={() => go({ step: "provider", imported: false })}
              onImport={() => go({ step: "import" })}
              onRemote={() => go({ step: "remote", imported: false })}
            />
          </Match>
          <Match when={progress().step === "remote"}>
            <RemoteStep onBack={() => go({ step: "welcome" })} onConnected={connected} />
          </Match>
          <Match when={progress().step === "import"}>
            <ImportStep
              from={props.info.openclaw ?? "~/.openclaw"}
              onBack={() => go({ step: "welcome" })}
              onImported={() => go({ step: "finish", imported: true })}
            />
          </Match>
          <Match when={progress().step === "provider"}>
            <ProviderStep
              progress={progress()}
              localDefaultUrl={props.info.localDefaultUrl}
              onBack={() => go({ step: "welcome" })}
              onChecked={go}
            />
          </Match>
          <Match when={progress().step === "model"}>
            <ModelStep progress={progress()} onBack={() => go({ step: "provider" })} onNext={go} />
          </Match>
          <Match when={progress().step === "workspace"}>
            <WorkspaceStep
              progress={progress()}
              defaultWorkspace={props.info.defaultWorkspace}
              onBack={() => go({ step: "model" })}
              onNext={go}
            />
          </Match>
          <Match when={progress().step === "finish"}>
            <Finish
              progress={progress()}
              defaultWorkspace={props.info.defaultWorkspace}
              onBack={(step) => go({ step })}
              onStart={() => setFinishing(true)}
              onDone={props.onDone}
            />
          </Match>
        </Switch>
      </div>
    </div>
  );
}

function Welcome(props: { info: SetupInfo_Serialize; onFresh: () => void; onImport: () => void; onRemote: () => void }) {
  const [choice, setChoice] = createSignal<"fresh" | "import" | "remote">(props.info.openclaw ? "import" : "fresh");
  return (
    <form
      class="space-y-5"
      data-testid="step-welcome"
      onSubmit={(e) => {
        e.preventDefault();
        if (choice() === "import") props.onImport();
        else if (choice() === "remote") props.onRemote();
        else props.onFresh();
      }}
    >
      <StepHeading
        title="Welcome to Tidepool"
        text="Your own AI assistant, running on this computer. Setting it up takes a couple of minutes."
      />
      <Choices label="How to start" name="start" value={choice()}>
        <Choice
          value="fresh"
          testid="welcome-fresh"
          onSelect={() => setChoice("fresh")}
          title="Start fresh"
          text="Pick a model provider, a folder and how careful the assistant should be."
        />
        <Show when={props.info.openclaw}>
          <Choice
            value="import"
            testid="welcome-import"
            onSelect={() => setChoice("import")}
            title="Import from OpenClaw"
            text={`Bring your models, agents, keys and workspace from ${props.info.openclaw}. You see what comes along before anything changes.`}
          />
        </Show>
        <Choice
          value="remote"
          testid="welcome-remote"
          onSelect={() => setChoice("remote")}
          title="Connect to a gateway elsewhere"
          text="Your assistant already runs on another computer, a server or in a container: use it from here with its address and token."
        />
      </Choices>
      <StepFooter end>
        <Button type="submit" variant="primary" data-testid="welcome-next">
          Continue
        </Button>
      </StepFooter>
    </form>
  );
}

function Finish(props: {
  progress: Progress;
  defaultWorkspace: string;
  onBack: (step: string) => void;
  /** The setup is being finished (config written, gateway started, first hello). */
  onStart: () => void;
  onDone: () => void;
}) {
  const [phase, setPhase] = createSignal<Phase | "done" | null>(null);
  const [failed, setFailed] = createSignal<{ phase: Phase; message: string } | null>(null);
  const [reply, setReply] = createSignal<string | null>(null);
  let doneButton: HTMLButtonElement | undefined;

  const phaseIndex = (p: Phase | "done" | null) => (p === "done" ? PHASES.length : PHASES.findIndex((x) => x.id === p));

  async function run() {
    // A retry starts again at the step that failed.
    const from = failed()?.phase;
    setFailed(null);
    props.onStart();
    const p = props.progress;
    const steps: [Phase, () => Promise<{ status: "ok" } | { status: "error"; error: AppError }>][] = [
      [
        "config",
        () =>
          p.imported
            ? Promise.resolve({ status: "ok" as const })
            : commands.onboardingWriteConfig({
                provider: p.provider,
                baseUrl: p.baseUrl,
                keyName: p.keyName,
                model: p.model ?? "",
                workspace: p.workspace,
                execMode: p.execMode,
              }),
      ],
      ["start", () => commands.onboardingStartGateway()],
      [
        "hello",
        async () => {
          const r = await commands.onboardingFinish(FIRST_MESSAGE);
          if (r.status === "ok") setReply(r.data);
          return r;
        },
      ],
    ];
    for (const [id, action] of steps) {
      if (from && phaseIndex(id) < phaseIndex(from)) continue;
      setPhase(id);
      const r = await action();
      if (r.status === "error") {
        setFailed({ phase: id, message: errorText(r.error) });
        return;
      }
    }
    setPhase("done");
    queueMicrotask(() => doneButton?.focus());
  }

  const safety = () => SAFETY.find((s) => s.id === props.progress.execMode)?.title ?? props.progress.execMode;
  const fixStep = () => (failed()?.phase === "hello" && !props.progress.imported ? "provider" : props.progress.imported ? "welcome" : "workspace");

  return (
    <div class="space-y-5" data-testid="step-finish">
      <StepHeading title="Ready to go" text="Tidepool saves your settings, starts the assistant and says hello." />
      <dl class="grid grid-cols-[140px_1fr] gap-y-2 rounded-lg border border-line bg-surface p-4 text-[13px]" data-testid="finish-summary">
        <Show
          when={!props.progress.imported}
          fallback={
            <>
              <dt class="text-muted">Settings</dt>
              <dd>Imported from OpenClaw</dd>
            </>
          }
        >
          <dt class="text-muted">Provider</dt>
          <dd>{props.progress.provider === "local" ? `Your server${props.progress.baseUrl ? ` at ${props.progress.baseUrl}` : ""}` : providerName(props.progress.provider)}</dd>
          <dt class="text-muted">Model</dt>
          <dd class="font-mono text-[12px]">{props.progress.model}</dd>
          <dt class="text-muted">Key</dt>
          <dd>{props.progress.keyName ? `In your keychain as ${props.progress.keyName}` : props.progress.provider === "local" ? "None needed" : "None"}</dd>
          <dt class="text-muted">Folder</dt>
          <dd class="font-mono text-[12px] break-all">{props.progress.workspace ?? props.defaultWorkspace}</dd>
          <dt class="text-muted">Programs</dt>
          <dd>{safety()}</dd>
        </Show>
      </dl>

      <Show when={phase()}>
        <ol class="space-y-2" aria-label="Progress" data-testid="finish-progress">
          <For each={PHASES}>
            {(p) => {
              const state = () =>
                failed()?.phase === p.id
                  ? "failed"
                  : phaseIndex(phase()) > phaseIndex(p.id)
                    ? "done"
                    : phase() === p.id
                      ? "running"
                      : "waiting";
              return (
                <li class="flex items-center gap-2 text-[13px]" data-testid={`phase-${p.id}`} data-state={state()}>
                  <span class="w-4 text-center" aria-hidden="true">
                    {state() === "done" ? "✓" : state() === "failed" ? "✕" : state() === "running" ? "…" : "·"}
                  </span>
                  <span class={state() === "waiting" ? "text-muted" : ""}>{p.label}</span>
                </li>
              );
            }}
          </For>
        </ol>
      </Show>

      <Show when={failed()}>
        {(f) => (
          <Problem testid="finish-problem" title={`${PHASES.find((p) => p.id === f().phase)?.label ?? "A step"} did not work`}>
            {f().message}
          </Problem>
        )}
      </Show>

      <Show when={reply() !== null}>
        <div class="rounded-lg border border-line bg-surface p-4 space-y-2" data-testid="finish-reply">
          <div class="text-[12px] text-muted">Your assistant says:</div>
          <Markdown text={reply() ?? ""} />
        </div>
      </Show>

      <StepFooter>
        <Show when={phase() !== "done"} fallback={<span />}>
          <Button
            variant="ghost"
            disabled={phase() !== null && !failed()}
            onClick={() => props.onBack(failed() ? fixStep() : props.progress.imported ? "import" : "workspace")}
          >
            Back
          </Button>
        </Show>
        <Show
          when={phase() === "done"}
          fallback={
            <Button variant="primary" loading={phase() !== null && !failed()} onClick={run} data-testid="finish-run">
              {failed() ? "Try again" : "Set up Tidepool"}
            </Button>
          }
        >
          <Button variant="primary" ref={doneButton} onClick={() => props.onDone()} data-testid="finish-open-chat">
            Open Chat
          </Button>
        </Show>
      </StepFooter>
    </div>
  );
}
