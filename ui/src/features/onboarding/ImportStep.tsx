import { createResource, createSignal, For, type JSX, Show } from "solid-js";
import { commands, type ImportReport } from "../../bindings";
import { errorText, bytes as formatBytes } from "../../shared/lib/format";
import { Button } from "../../shared/ui/Button";
import { Problem, StepFooter, StepHeading } from "./common";

/** The dry run's report, or why there is none (as a value: an error thrown from a resource
 * would need an error boundary). */
async function dryRun(): Promise<{ report?: ImportReport; error?: string }> {
  const r = await commands.onboardingImport(true);
  return r.status === "error" ? { error: errorText(r.error) } : { report: r.data };
}

function Section(props: { title: string; count: number; children: JSX.Element; testid: string }) {
  return (
    <Show when={props.count > 0}>
      <section data-testid={props.testid} class="space-y-1.5">
        <h3 class="text-[13px] font-semibold">
          {props.title} <span class="text-muted font-normal">({props.count})</span>
        </h3>
        <ul class="space-y-1 text-[13px]">{props.children}</ul>
      </section>
    </Show>
  );
}

/** Import from OpenClaw: the report of a dry run first, then the import itself. */
export function ImportStep(props: { from: string; onBack: () => void; onImported: () => void }) {
  const [result, { refetch }] = createResource(dryRun);
  const report = () => result()?.report;
  const [applying, setApplying] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);

  async function apply() {
    setApplying(true);
    setError(null);
    const r = await commands.onboardingImport(false);
    setApplying(false);
    if (r.status === "error") setError(errorText(r.error));
    else props.onImported();
  }

  return (
    <div class="space-y-5" data-testid="step-import">
      <StepHeading
        title="Bring your OpenClaw setup"
        text={`Here is what Tidepool would take from ${props.from}. Your OpenClaw files stay as they are.`}
      />
      <Show when={result.loading}>
        <div class="tp-skeleton h-40" role="progressbar" aria-busy="true" aria-label="Reading your OpenClaw setup" />
      </Show>
      <Show when={!result.loading && result()?.error}>
        <Problem title="Your OpenClaw setup could not be read">
          {result()?.error}{" "}
          <button type="button" class="underline" onClick={() => refetch()}>
            Try again
          </button>
        </Problem>
      </Show>
      <Show when={!result.loading && report()}>
        {(r) => (
          <div class="space-y-4 rounded-lg border border-line bg-surface p-4 max-h-[380px] overflow-auto" data-testid="import-report">
            <Section title="Settings carried over" count={r().carried.length} testid="import-carried">
              <For each={r().carried}>
                {(i) => (
                  <li class="flex gap-2">
                    <span class="text-ok" aria-hidden="true">✓</span>
                    <span class="font-mono text-[12px]">{i.path}</span>
                    <span class="text-muted">{i.note}</span>
                  </li>
                )}
              </For>
            </Section>
            <Section title="Keys moved to your keychain" count={r().secrets.length} testid="import-secrets">
              <For each={r().secrets}>
                {(s) => (
                  <li class="flex gap-2">
                    <span class={s.stored ? "text-ok" : "text-warn"} aria-hidden="true">
                      {s.stored ? "✓" : "!"}
                    </span>
                    <span class="font-mono text-[12px]">{s.name}</span>
                    <span class="text-muted">{s.note}</span>
                  </li>
                )}
              </For>
            </Section>
            <Section title="Folders copied" count={r().folders.length} testid="import-folders">
              <For each={r().folders}>
                {(f) => (
                  <li class="flex gap-2">
                    <span class="text-ok" aria-hidden="true">✓</span>
                    <span>
                      {f.note}: {f.files} file{f.files === 1 ? "" : "s"}, {formatBytes(f.bytes)}
                      <Show when={f.keptExisting > 0}> ({f.keptExisting} already there, kept)</Show>
                    </span>
                  </li>
                )}
              </For>
            </Section>
            <Section title="Conversations" count={r().conversations?.length ?? 0} testid="import-conversations">
              <For each={r().conversations ?? []}>
                {(c) => (
                  <li class="flex gap-2">
                    <span class="text-ok" aria-hidden="true">✓</span>
                    <span>
                      {c.agentId === "main" ? "Main conversation" : `${c.agentId}: ${c.key.split(":").slice(2).join(":")}`}:{" "}
                      {c.messages} message{c.messages === 1 ? "" : "s"}
                    </span>
                    <span class="text-muted">{c.note}</span>
                  </li>
                )}
              </For>
            </Section>
            <Section title="Stays with OpenClaw" count={r().leftBehind?.length ?? 0} testid="import-left-behind">
              <For each={r().leftBehind ?? []}>
                {(i) => (
                  <li class="flex gap-2">
                    <span class="text-muted" aria-hidden="true">–</span>
                    <span>{i.path}</span>
                    <span class="text-muted">{i.note}</span>
                  </li>
                )}
              </For>
            </Section>
            <Section title="Not carried over" count={r().notCarried.length} testid="import-not-carried">
              <For each={r().notCarried}>
                {(i) => (
                  <li class="flex gap-2">
                    <span class="text-muted" aria-hidden="true">–</span>
                    <span class="font-mono text-[12px]">{i.path}</span>
                    <span class="text-muted">{i.note}</span>
                  </li>
                )}
              </For>
            </Section>
          </div>
        )}
      </Show>
      <Show when={error()}>
        <Problem title="The import did not finish">{error()}</Problem>
      </Show>
      <StepFooter>
        <Button variant="ghost" onClick={() => props.onBack()}>
          Back
        </Button>
        <Button variant="primary" loading={applying()} disabled={!report()} onClick={apply} data-testid="import-apply">
          Import
        </Button>
      </StepFooter>
    </div>
  );
}
