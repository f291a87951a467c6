import { createSignal, Match, Show, Switch } from "solid-js";
import { Button } from "../../shared/ui/Button";

type Ref = { source?: string; id?: string };

/** A store name for a config path: `models.providers.openai.apiKey` → `OPENAI_API_KEY`,
 *  `gateway.auth.token` → `GATEWAY_AUTH_TOKEN`. */
export function secretName(path: string[]): string {
  const parts = path[0] === "models" && path[1] === "providers" ? path.slice(2) : path;
  return parts
    .map((p) => p.replace(/([a-z0-9])([A-Z])/g, "$1_$2"))
    .join("_")
    .toUpperCase()
    .replace(/[^A-Z0-9_]/g, "_");
}

const ENV_TEXT = /^\$\{([A-Z_][A-Z0-9_]*)\}$/;

/** A value that is an object, read as a secret reference (`{source, id}`). */
function refOf(v: unknown): Ref | null {
  if (!v || typeof v !== "object") return null;
  return {
    source: "source" in v && typeof v.source === "string" ? v.source : undefined,
    id: "id" in v && typeof v.id === "string" ? v.id : undefined,
  };
}

/**
 * A secret setting. The value itself never enters the config: it goes to the gateway's secrets
 * store (the OS keychain, or its vault) and the field becomes `{source: "store", id}`. A value
 * written in the file in clear can be moved there in one click.
 */
export function SecretField(props: {
  id: string;
  path: string[];
  value: unknown;
  onChange: (v: unknown) => void;
  onStore?: (name: string, value: string) => Promise<string | null>;
}) {
  const [editing, setEditing] = createSignal(false);
  const [name, setName] = createSignal(secretName(props.path));
  const [secret, setSecret] = createSignal("");
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string | null>(null);

  const ref = () => refOf(props.value);
  const clear = () => (typeof props.value === "string" && !ENV_TEXT.test(props.value) ? props.value : null);
  const envText = () => (typeof props.value === "string" ? ENV_TEXT.exec(props.value)?.[1] : undefined);

  async function store(value: string) {
    if (!props.onStore) return;
    const n = name().trim();
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(n)) {
      setError(`"${n}" cannot name a secret: use letters, digits and _ (e.g. ${secretName(props.path)})`);
      return;
    }
    setBusy(true);
    setError(null);
    const e = await props.onStore(n, value);
    setBusy(false);
    if (e) {
      setError(e);
      return;
    }
    setSecret("");
    setEditing(false);
    props.onChange({ source: "store", id: n });
  }

  return (
    <div class="flex flex-col gap-1 w-full" data-testid={props.id}>
      <Show
        when={editing()}
        fallback={
          <div class="flex items-center gap-2">
            <span class="block flex-1 min-w-0 truncate text-[12px] rounded border border-line bg-surface-2 px-2 h-8 leading-8" data-testid={`${props.id}-where`}>
              <Switch fallback="Not set">
                <Match when={ref()?.source === "store"}>
                  In the keychain as <span class="font-mono ml-1">{ref()?.id}</span>
                </Match>
                <Match when={ref()?.source === "env" || envText()}>
                  From the environment: <span class="font-mono ml-1">${ref()?.id ?? envText()}</span>
                </Match>
                <Match when={ref()?.source === "file"}>
                  From the file <span class="font-mono ml-1">{ref()?.id}</span>
                </Match>
                <Match when={clear()}>
                  <span class="text-warn">Written in the file in clear</span>
                </Match>
              </Switch>
            </span>
            <Show when={props.onStore}>
              <Show
                when={clear()}
                fallback={
                  <Button data-testid={`${props.id}-set`} onClick={() => setEditing(true)}>
                    {ref() || envText() ? "Replace…" : "Set…"}
                  </Button>
                }
              >
                {(value) => (
                  <Button data-testid={`${props.id}-move`} loading={busy()} onClick={() => void store(value())}>
                    Move to keychain
                  </Button>
                )}
              </Show>
            </Show>
          </div>
        }
      >
        <form
          class="flex flex-col gap-1.5"
          onSubmit={(e) => {
            e.preventDefault();
            if (secret()) void store(secret());
          }}
        >
          <div class="flex gap-2">
            <input
              aria-label="Name in the keychain"
              data-testid={`${props.id}-name`}
              class="min-w-0 flex-1 h-8 rounded-md border border-line bg-surface px-2 font-mono text-[12px]"
              value={name()}
              onInput={(e) => setName(e.currentTarget.value)}
            />
            <input
              id={props.id}
              type="password"
              autocomplete="off"
              aria-label="Secret value"
              placeholder="Value"
              data-testid={`${props.id}-value`}
              class="min-w-0 flex-1 h-8 rounded-md border border-line bg-surface px-2 font-mono text-[12px]"
              value={secret()}
              onInput={(e) => setSecret(e.currentTarget.value)}
            />
          </div>
          <div class="flex justify-end gap-2">
            <Button
              variant="ghost"
              disabled={busy()}
              onClick={() => {
                setEditing(false);
                setSecret("");
                setError(null);
              }}
            >
              Cancel
            </Button>
            <Button type="submit" variant="primary" loading={busy()} disabled={!secret()} data-testid={`${props.id}-save`}>
              Save to keychain
            </Button>
          </div>
        </form>
      </Show>
      <Show when={error()}>
        <span role="alert" class="text-[11px] text-err">{error()}</span>
      </Show>
      <Show when={clear() && !editing()}>
        <span class="text-[11px] text-muted">Anyone who can read the config file can read it.</span>
      </Show>
    </div>
  );
}
