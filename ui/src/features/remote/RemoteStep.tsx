import { createSignal, Match, Show, Switch } from "solid-js";
import { commands, type RemoteCheck, type Transport } from "../../bindings";
import { errorText } from "../../shared/lib/format";
import { cleanLine } from "../../shared/lib/errors";
import { Button } from "../../shared/ui/Button";
import { Problem, StepFooter, StepHeading } from "../onboarding/common";

type Ok = Extract<RemoteCheck, { kind: "ok" }>;

const TRANSPORT: Record<Transport, string> = {
  encrypted: "Encrypted (wss://), with the certificate checked by your system.",
  loopback: "Stays on this computer (a gateway here, or an SSH tunnel to one).",
  plain: "Not encrypted.",
};

/** What to do about each kind of refusal. */
const ADVICE: Record<string, string> = {
  token: "Copy the token again from that machine (~/.tidepool/gateway.token there), then check again.",
  unauthorized: "Copy the token again from that machine (~/.tidepool/gateway.token there), then check again.",
  url: "Check the address: it starts with wss:// or ws:// and names the gateway's host and port.",
  unreachable: "Check that the gateway runs over there and that this computer can reach it (VPN, SSH tunnel).",
  timeout: "Check that the gateway runs over there and that this computer can reach it (VPN, SSH tunnel).",
  certificate: "The certificate is not trusted by this computer: use a certificate from a public authority, or an SSH tunnel.",
  protocol: "That address answers, but not as a Tidepool or OpenClaw gateway: check the port.",
};

/** Where a refused check sends the cursor: the field to fix. */
const FIELD: Record<string, "url" | "token"> = { url: "url", unreachable: "url", timeout: "url", protocol: "url", certificate: "url", token: "token" };

/**
 * Connect to a gateway that already runs elsewhere: address + token, checked with a real
 * handshake before anything is saved. The token goes to the system keychain, never the store.
 */
export function RemoteStep(props: { onBack: () => void; onConnected: () => Promise<void> | void }) {
  const [url, setUrl] = createSignal("");
  const [token, setToken] = createSignal("");
  const [showToken, setShowToken] = createSignal(false);
  const [busy, setBusy] = createSignal<"check" | "connect" | null>(null);
  const [checked, setChecked] = createSignal<Ok | null>(null);
  const [problem, setProblem] = createSignal<{ reason: string; message: string } | null>(null);
  const [accepted, setAccepted] = createSignal(false);
  /** The address is plain ws:// to another machine: the user agrees before the token is sent. */
  const [needsConsent, setNeedsConsent] = createSignal<string | null>(null);
  /** The field the current problem is about. */
  const problemField = () => {
    const p = problem();
    return p ? FIELD[p.reason] : undefined;
  };
  let urlInput: HTMLInputElement | undefined;
  let tokenInput: HTMLInputElement | undefined;

  /** Anything typed invalidates an earlier check. */
  function edited() {
    setChecked(null);
    setProblem(null);
    setAccepted(false);
    setNeedsConsent(null);
  }

  function refused(reason: string, message: string) {
    setProblem({ reason, message });
    const field = FIELD[reason] === "token" ? tokenInput : urlInput;
    queueMicrotask(() => field?.focus());
  }

  async function check() {
    if (busy()) return;
    setBusy("check");
    const agreedBefore = accepted();
    edited();
    setAccepted(agreedBefore);
    try {
      const agreed = accepted();
      const r = await commands.remoteCheck(url(), token() || null, agreed);
      setAccepted(agreed);
      if (r.kind === "ok") setChecked(r);
      else if (r.reason === "plain") setNeedsConsent(url().trim());
      else refused(r.reason, r.message);
    } finally {
      setBusy(null);
    }
  }

  async function connect() {
    if (busy()) return;
    setBusy("connect");
    setProblem(null);
    try {
      const r = await commands.remoteConnect(url(), token() || null, accepted());
      if (r.status === "error") {
        setProblem({ reason: r.error.kind, message: errorText(r.error) });
        return;
      }
      if (r.data.kind === "failed") {
        setChecked(null);
        refused(r.data.reason, r.data.message);
        return;
      }
      await props.onConnected();
    } finally {
      setBusy(null);
    }
  }

  const plain = () => checked()?.transport === "plain";
  const canConnect = () => !!checked() && (!plain() || accepted());

  return (
    <form
      class="space-y-5"
      data-testid="step-remote"
      onSubmit={(e) => {
        e.preventDefault();
        if (canConnect()) void connect();
        else void check();
      }}
    >
      <StepHeading
        title="Connect to a gateway elsewhere"
        text="Use an assistant that already runs on another computer, a server or in a container. You need its address and its token."
      />
      <div class="space-y-1.5">
        <label for="remote-url" class="text-[13px] font-medium">
          Address
        </label>
        <input
          id="remote-url"
          ref={urlInput}
          data-testid="remote-url"
          class="w-full h-9 rounded-md border border-line bg-surface px-3 font-mono text-[13px]"
          placeholder="wss://gateway.example.com or ws://127.0.0.1:18789"
          autocomplete="off"
          spellcheck={false}
          value={url()}
          onInput={(e) => {
            setUrl(e.currentTarget.value);
            edited();
          }}
          aria-invalid={problemField() === "url" ? "true" : undefined}
        />
        <p class="text-[12px] text-muted">
          Over the internet, use <span class="font-mono">wss://</span> or an SSH tunnel (
          <span class="font-mono">ssh -N -L 18789:127.0.0.1:18789 you@server</span>, then{" "}
          <span class="font-mono">ws://127.0.0.1:18789</span>).
        </p>
      </div>
      <div class="space-y-1.5">
        <label for="remote-token" class="text-[13px] font-medium">
          Token
        </label>
        <div class="flex gap-2">
          <input
            id="remote-token"
            ref={tokenInput}
            data-testid="remote-token"
            type={showToken() ? "text" : "password"}
            class="flex-1 h-9 rounded-md border border-line bg-surface px-3 font-mono text-[13px]"
            autocomplete="off"
            spellcheck={false}
            value={token()}
            onInput={(e) => {
              setToken(e.currentTarget.value);
              edited();
            }}
            aria-invalid={problem()?.reason === "token" ? "true" : undefined}
          />
          <Button variant="ghost" onClick={() => setShowToken(!showToken())} aria-pressed={showToken()}>
            {showToken() ? "Hide" : "Show"}
          </Button>
        </div>
        <p class="text-[12px] text-muted">
          On that machine it is in <span class="font-mono">~/.tidepool/gateway.token</span> (or{" "}
          <span class="font-mono">gateway.auth.token</span> in its config). Tidepool keeps it in your system keychain.
        </p>
      </div>

      <Show when={problem()}>
        {(p) => (
          <Problem
            testid="remote-problem"
            title={p().reason === "token" || p().reason === "unauthorized" ? "The token was refused" : "Tidepool could not connect"}
            action={ADVICE[p().reason] ?? ""}
            details={cleanLine(p().message) === p().message ? undefined : p().message}
          >
            {cleanLine(p().message)}
          </Problem>
        )}
      </Show>

      <Show when={needsConsent() && !checked()}>
        <div class="rounded-lg border border-warn/40 bg-warn/10 p-4 text-[13px] space-y-2" data-testid="remote-plain" role="status">
          <div class="font-medium">{TRANSPORT.plain} Nothing has been sent yet.</div>
          <p>
            Checking sends the token to {needsConsent()} as it is, and afterwards your conversations travel the same way: anyone
            on the network between here and there can read them, unless a VPN such as Tailscale carries them. Prefer{" "}
            <span class="font-mono">wss://</span> or an SSH tunnel.
          </p>
          <label class="flex items-center gap-2">
            <input
              type="checkbox"
              data-testid="remote-accept-plain"
              checked={accepted()}
              onChange={(e) => {
                setAccepted(e.currentTarget.checked);
                if (e.currentTarget.checked) void check();
              }}
            />
            This network is private (a VPN or my own LAN); check and connect anyway.
          </label>
        </div>
      </Show>

      <Show when={checked()}>
        {(c) => (
          <div
            class={`rounded-lg border p-4 text-[13px] space-y-2 ${plain() ? "border-warn/40 bg-warn/10" : "border-ok/40 bg-ok/10"}`}
            data-testid="remote-ok"
            data-transport={c().transport}
            role="status"
          >
            <div class="font-medium">
              A gateway answers there and accepts the token: version {c().version} (protocol {c().protocol}).
            </div>
            <div class="text-muted">{TRANSPORT[c().transport]}</div>
            <Switch>
              <Match when={plain()}>
                <p>
                  The token and your conversations can be read by anyone on the network between here and there, unless a
                  VPN such as Tailscale carries them. Prefer <span class="font-mono">wss://</span> or an SSH tunnel.
                </p>
                <label class="flex items-center gap-2">
                  <input
                    type="checkbox"
                    data-testid="remote-accept-plain"
                    checked={accepted()}
                    onChange={(e) => setAccepted(e.currentTarget.checked)}
                  />
                  This network is private (a VPN or my own LAN); connect anyway.
                </label>
              </Match>
            </Switch>
          </div>
        )}
      </Show>

      <StepFooter>
        <Button variant="ghost" disabled={!!busy()} onClick={() => props.onBack()}>
          Back
        </Button>
        <div class="flex gap-2">
          <Button type={canConnect() ? "button" : "submit"} loading={busy() === "check"} disabled={!!busy() || !url().trim()} data-testid="remote-check" onClick={canConnect() ? () => void check() : undefined}>
            Check connection
          </Button>
          <Button
            type={canConnect() ? "submit" : "button"}
            variant="primary"
            loading={busy() === "connect"}
            disabled={!!busy() || !canConnect()}
            data-testid="remote-connect"
          >
            Connect
          </Button>
        </div>
      </StepFooter>
    </form>
  );
}
