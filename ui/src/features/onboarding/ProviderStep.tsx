import { errorText } from "../../shared/lib/format";
import { cleanLine } from "../../shared/lib/errors";
import { createSignal, For, Show } from "solid-js";
import { commands, type ProviderKind } from "../../bindings";
import { Button } from "../../shared/ui/Button";
import { Choice, Choices, keyNote, PROVIDERS, Problem, type Progress, providerName, refusedKey, StepFooter, StepHeading } from "./common";

const LM_STUDIO_URL = "http://127.0.0.1:1234/v1";

function headline(kind: string, provider: ProviderKind): string {
  switch (kind) {
    case "auth":
      return refusedKey(provider);
    case "unreachable":
      return "The server could not be reached";
    case "invalid":
      return "That address does not look right";
    default:
      return "The check did not work";
  }
}

/** The provider's own words inside a refusal ("… refused the API key (Incorrect API key
 *  provided)" → "Incorrect API key provided"), else the whole message, made readable. */
function theirWords(message: string): string {
  const m = /\(([^()]+)\)\s*$/.exec(message);
  return cleanLine(m ? m[1] : message);
}

/** What to do about a refused check. */
function nextStep(kind: string, provider: ProviderKind): string {
  switch (kind) {
    case "auth":
      return provider === "local"
        ? "Leave the key empty if your server does not ask for one, or use the key it was set up with."
        : `Check that you copied the whole key and that it is active in your ${providerName(provider)} account, then check again.`;
    case "unreachable":
      return provider === "local" ? "Start the server (e.g. open Ollama), check the address, then check again." : "Check your internet connection and the address, then check again.";
    case "invalid":
      return "Use an address like the one shown in the field.";
    default:
      return "";
  }
}

/** Step 2: the provider and its key, checked with a real model list before it is stored. */
export function ProviderStep(props: {
  progress: Progress;
  localDefaultUrl: string;
  onBack: () => void;
  onChecked: (p: Partial<Progress>) => void;
}) {
  const [kind, setKind] = createSignal(props.progress.provider);
  const [key, setKey] = createSignal("");
  const [url, setUrl] = createSignal(props.progress.baseUrl ?? "");
  const [advanced, setAdvanced] = createSignal(!!props.progress.baseUrl && props.progress.provider !== "local");
  const [checking, setChecking] = createSignal(false);
  const [problem, setProblem] = createSignal<{ kind: string; message: string } | null>(null);

  const local = () => kind() === "local";
  const effectiveUrl = () => {
    if (local()) return url().trim() || props.localDefaultUrl;
    return advanced() && url().trim() ? url().trim() : null;
  };

  async function check(e?: Event) {
    e?.preventDefault();
    setProblem(null);
    setChecking(true);
    const r = await commands.onboardingCheckProvider(kind(), effectiveUrl(), key().trim() || null);
    setChecking(false);
    if (r.status === "error") {
      setProblem({ kind: r.error.kind, message: errorText(r.error) });
      return;
    }
    const c = r.data;
    if (c.outcome === "failed") {
      setProblem({ kind: c.kind, message: c.message });
      return;
    }
    if (c.models.length === 0) {
      setProblem({ kind: "empty", message: "The server answered but offers no models. Download one (e.g. `ollama pull llama3.2`) and check again." });
      return;
    }
    // The key is in the keychain now; it is not kept here.
    setKey("");
    props.onChecked({
      provider: kind(),
      baseUrl: effectiveUrl(),
      keyName: c.keyName,
      models: c.models,
      model: c.suggested ?? c.models[0]?.id ?? null,
      step: "model",
    });
  }

  return (
    <form class="space-y-5" onSubmit={check} data-testid="step-provider">
      <StepHeading title="Where should answers come from?" text="Pick the service that runs the AI model. You can add more later." />
      <Choices label="Provider" name="provider" value={kind()}>
        <For each={PROVIDERS}>
          {(p) => (
            <Choice
              value={p.id}
              testid={`provider-${p.id}`}
              onSelect={() => {
                setKind(p.id);
                setProblem(null);
                if (p.id === "local" && !url()) setUrl(props.localDefaultUrl);
              }}
              title={p.name}
              text={p.blurb}
            />
          )}
        </For>
      </Choices>

      <Show when={local()}>
        <div class="space-y-2">
          <label class="block text-[13px] font-medium" for="ob-url">
            Server address
          </label>
          <input
            id="ob-url"
            data-testid="provider-url"
            class="w-full h-9 rounded-md border border-line bg-surface px-3 text-[13px] font-mono"
            value={url()}
            onInput={(e) => setUrl(e.currentTarget.value)}
            placeholder={props.localDefaultUrl}
          />
          <div class="flex gap-2">
            <Button data-testid="provider-ollama" onClick={() => setUrl(props.localDefaultUrl)}>
              Ollama (port 11434)
            </Button>
            <Button onClick={() => setUrl(LM_STUDIO_URL)}>LM Studio (port 1234)</Button>
          </div>
        </div>
      </Show>

      <div class="space-y-2">
        <label class="block text-[13px] font-medium" for="ob-key">
          {local() ? "API key (only if your server asks for one)" : `${providerName(kind())} API key`}
        </label>
        <input
          id="ob-key"
          data-testid="provider-key"
          type="password"
          autocomplete="off"
          spellcheck={false}
          class="w-full h-9 rounded-md border border-line bg-surface px-3 text-[13px] font-mono"
          value={key()}
          onInput={(e) => setKey(e.currentTarget.value)}
          placeholder={PROVIDERS.find((p) => p.id === kind())?.keyHint}
        />
        <p class="text-[12px] text-muted" data-testid="provider-key-note">
          {keyNote(kind())}
        </p>
      </div>

      <Show when={!local()}>
        <div>
          <button
            type="button"
            class="text-[13px] text-accent underline-offset-2 hover:underline"
            data-testid="provider-advanced"
            aria-expanded={advanced()}
            onClick={() => setAdvanced(!advanced())}
          >
            {advanced() ? "Use the usual address" : "Use another address (proxy, gateway)…"}
          </button>
          <Show when={advanced()}>
            <input
              aria-label="API address"
              data-testid="provider-base-url"
              class="mt-2 w-full h-9 rounded-md border border-line bg-surface px-3 text-[13px] font-mono"
              value={url()}
              onInput={(e) => setUrl(e.currentTarget.value)}
              placeholder={kind() === "anthropic" ? "https://api.anthropic.com" : "https://api.openai.com/v1"}
            />
          </Show>
        </div>
      </Show>

      <Show when={problem()}>
        {(p) => (
          <div ref={(el) => queueMicrotask(() => el.scrollIntoView?.({ block: "nearest" }))}>
            <Problem
              testid="provider-problem"
              title={headline(p().kind, kind())}
              action={nextStep(p().kind, kind())}
              details={theirWords(p().message) === p().message ? undefined : p().message}
            >
              {p().kind === "auth" ? `${local() ? "Your server" : providerName(kind())} said: ${theirWords(p().message)}` : theirWords(p().message)}
            </Problem>
          </div>
        )}
      </Show>

      <StepFooter>
        <Button variant="ghost" onClick={() => props.onBack()}>
          Back
        </Button>
        <Button type="submit" variant="primary" loading={checking()} data-testid="provider-check">
          {checking() ? "Checking…" : "Check and continue"}
        </Button>
      </StepFooter>
    </form>
  );
}
