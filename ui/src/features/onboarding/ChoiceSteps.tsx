import { createSignal, For, Show } from "solid-js";
import { commands } from "../../bindings";
import { errorText } from "../../shared/lib/format";
import { Button } from "../../shared/ui/Button";
import { Choice, Choices, modelsSentence, type Progress, SAFETY, StepFooter, StepHeading } from "./common";

/** Step 3: one of the provider's models, the suggested one preselected. */
export function ModelStep(props: { progress: Progress; onBack: () => void; onNext: (p: Partial<Progress>) => void }) {
  const [model, setModel] = createSignal(props.progress.model ?? props.progress.models[0]?.id ?? "");
  const [filter, setFilter] = createSignal("");
  const shown = () => {
    const f = filter().trim().toLowerCase();
    return props.progress.models.filter((m) => !f || m.id.toLowerCase().includes(f) || m.name.toLowerCase().includes(f));
  };
  return (
    <form
      class="space-y-5"
      data-testid="step-model"
      onSubmit={(e) => {
        e.preventDefault();
        if (model()) props.onNext({ model: model(), step: "workspace" });
      }}
    >
      <StepHeading
        title="Pick a model"
        text={`${modelsSentence(props.progress.provider, props.progress.models.length)} ${
          props.progress.models.length === 1
            ? "It is selected; you can add models later and pick one per conversation."
            : "The one selected is a good start; you can switch per conversation later."
        }`}
      />
      <Show when={props.progress.models.length > 8}>
        <input
          aria-label="Filter models"
          class="w-full h-9 rounded-md border border-line bg-surface px-3 text-[13px]"
          placeholder="Filter…"
          value={filter()}
          onInput={(e) => setFilter(e.currentTarget.value)}
        />
      </Show>
      <Choices label="Model" name="model" value={model()} class="grid gap-1.5 max-h-[340px] overflow-auto p-1">
        <For each={shown()}>
          {(m) => (
            <Choice
              compact
              value={m.id}
              testid="model-option"
              onSelect={() => setModel(m.id)}
              title={m.name}
              text={m.name !== m.id ? m.id : undefined}
              aside={m.id === props.progress.model ? <span class="text-[11px] text-accent">suggested</span> : undefined}
            />
          )}
        </For>
        <Show when={shown().length === 0}>
          <div class="text-[13px] text-muted p-3">No model matches “{filter()}”.</div>
        </Show>
      </Choices>
      <StepFooter>
        <Button variant="ghost" onClick={() => props.onBack()}>
          Back
        </Button>
        <Button type="submit" variant="primary" disabled={!model()} data-testid="model-next">
          Continue
        </Button>
      </StepFooter>
    </form>
  );
}

/** Step 4: the workspace folder and what the assistant may do with the shell. */
export function WorkspaceStep(props: {
  progress: Progress;
  defaultWorkspace: string;
  onBack: () => void;
  onNext: (p: Partial<Progress>) => void;
}) {
  const [folder, setFolder] = createSignal(props.progress.workspace ?? props.defaultWorkspace);
  const [mode, setMode] = createSignal(props.progress.execMode || "ask");
  const [browsing, setBrowsing] = createSignal(false);
  const [browseError, setBrowseError] = createSignal<string | null>(null);

  /** The system's folder dialog, from the app's core; Cancel leaves the field as it was. */
  async function browse() {
    setBrowseError(null);
    setBrowsing(true);
    const r = await commands.pickFolder(folder().trim() || null);
    setBrowsing(false);
    if (r.status === "error") setBrowseError(`The folder dialog did not open: ${errorText(r.error)}`);
    else if (r.data) setFolder(r.data);
  }

  return (
    <form
      class="space-y-5"
      data-testid="step-workspace"
      onSubmit={(e) => {
        e.preventDefault();
        const f = folder().trim();
        props.onNext({
          workspace: f && f !== props.defaultWorkspace ? f : null,
          execMode: mode(),
          step: "finish",
        });
      }}
    >
      <StepHeading
        title="Where it works, and what it may run"
        text="The assistant reads and writes files only inside its folder."
      />
      <div class="space-y-2">
        <label class="block text-[13px] font-medium" for="ob-folder">
          Folder
        </label>
        <div class="flex gap-2">
          <input
            id="ob-folder"
            data-testid="workspace-folder"
            class="flex-1 min-w-0 h-9 rounded-md border border-line bg-surface px-3 text-[13px] font-mono"
            value={folder()}
            onInput={(e) => setFolder(e.currentTarget.value)}
          />
          <Button class="h-9" loading={browsing()} onClick={() => void browse()} data-testid="workspace-browse">
            Browse…
          </Button>
        </div>
        <Show when={browseError()}>
          <p role="alert" class="text-[12px] text-err" data-testid="workspace-browse-error">
            {browseError()}
          </p>
        </Show>
        <p class="text-[12px] text-muted">Created if it does not exist. Put notes here you want the assistant to see.</p>
      </div>
      <div class="text-[13px] font-medium -mb-3">Running programs on this computer</div>
      <Choices label="Running programs" name="safety" value={mode()}>
        <For each={SAFETY}>
          {(s) => (
            <Choice
              value={s.id}
              testid={`safety-${s.id}`}
              onSelect={() => setMode(s.id)}
              title={s.title}
              text={s.text}
              badge={s.recommended ? "Recommended" : undefined}
            />
          )}
        </For>
      </Choices>
      <StepFooter>
        <Button variant="ghost" onClick={() => props.onBack()}>
          Back
        </Button>
        <Button type="submit" variant="primary" data-testid="workspace-next">
          Continue
        </Button>
      </StepFooter>
    </form>
  );
}
