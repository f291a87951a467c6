import { createSignal, For, onMount, Show } from "solid-js";
import { commands, type AppError, type HostEntry } from "../../bindings";
import { bytes } from "../../shared/lib/format";
import { presentError } from "../../shared/lib/errors";
import { Button } from "../../shared/ui/Button";
import { ConfirmDialog } from "../../shared/ui/ConfirmDialog";
import { ErrorNotice } from "../../shared/ui/ErrorNotice";
import { RelativeTime } from "../../shared/ui/RelativeTime";
import { type Column, SortableTable } from "../../shared/ui/SortableTable";
import { toast } from "../../shared/ui/Toast";
import { Plus, RefreshCw, Server, Trash2 } from "../../shared/ui/icons";
import { AddHost } from "./AddHost";
import { HostGateway } from "./Gateway";
import { JobView } from "./JobView";
import { applyJob, dropHost, hosts, hostsError, initHosts, jobFor, putHost } from "./store";

/** "Linux x86_64" from a host's facts. */
function system(h: HostEntry): string {
  return h.facts ? `${h.facts.os} ${h.facts.arch}` : "—";
}

/** The service manager in words. */
function manager(h: HostEntry): string {
  const m = h.facts?.serviceManager;
  switch (m?.kind) {
    case "systemd":
      return m.linger ? "systemd (runs without a login)" : "systemd (stops at logout unless linger is on)";
    case "launchd":
      return "launchd";
    case "none":
      return "none (Tidepool runs it as a background process)";
    default:
      return "—";
  }
}

const COLUMNS: Column<HostEntry>[] = [
  { id: "name", header: "Name", cell: (h) => <span class="font-medium">{h.name}</span>, sort: (a, b) => a.name.localeCompare(b.name) },
  {
    id: "address",
    header: "Address",
    cell: (h) => <span class="font-mono text-xs">{`${h.spec.user ? `${h.spec.user}@` : ""}${h.spec.host}${h.spec.port ? `:${h.spec.port}` : ""}`}</span>,
    sort: (a, b) => a.spec.host.localeCompare(b.spec.host),
  },
  { id: "system", header: "System", cell: system, sort: (a, b) => system(a).localeCompare(system(b)) },
  {
    id: "tidepool",
    header: "Tidepool",
    cell: (h) => (h.facts?.tidepool ? `v${h.facts.tidepool.version}` : <span class="text-muted">not installed</span>),
  },
  {
    id: "checked",
    header: "Checked",
    cell: (h) => (h.probedAtMs ? <RelativeTime ms={h.probedAtMs} /> : "—"),
    sort: (a, b) => (a.probedAtMs ?? 0) - (b.probedAtMs ?? 0),
  },
];

function Facts(props: { host: HostEntry }) {
  const rows = () => {
    const f = props.host.facts;
    if (!f) return [];
    return [
      ["System", `${f.os} ${f.arch}${f.libc ? ` · ${f.libc}` : ""}`],
      ["Service manager", manager(props.host)],
      ["Free disk", f.diskFreeBytes != null ? `${bytes(f.diskFreeBytes)} in ${f.home}` : "unknown"],
      ["Tidepool", f.tidepool ? `v${f.tidepool.version} (${f.tidepoolPath ?? ""})` : "not installed"],
      ["OpenClaw", f.openclaw ?? "not installed"],
      ["Host key", props.host.fingerprint],
    ];
  };
  return (
    <dl class="grid grid-cols-[10rem_1fr] gap-x-4 gap-y-1.5 text-[13px]" data-testid="host-facts">
      <For each={rows()}>
        {([k, v]) => (
          <>
            <dt class="text-muted">{k}</dt>
            <dd class="min-w-0 break-words font-mono text-xs leading-5">{v}</dd>
          </>
        )}
      </For>
    </dl>
  );
}

/** Servers reached over SSH: add one (its key checked), see what it runs, install Tidepool. */
export function Hosts() {
  const [adding, setAdding] = createSignal(false);
  const [selected, setSelected] = createSignal<string | null>(null);
  const [removing, setRemoving] = createSignal<HostEntry | null>(null);
  const [probing, setProbing] = createSignal(false);
  const [actionError, setActionError] = createSignal<AppError | null>(null);
  onMount(() => void initHosts());

  const current = () => hosts()?.find((h) => h.id === selected()) ?? hosts()?.[0] ?? null;
  const job = () => {
    const h = current();
    return h ? jobFor(h.name) : null;
  };

  const probe = async (h: HostEntry) => {
    setProbing(true);
    setActionError(null);
    const r = await commands.hostsProbe(h.id);
    setProbing(false);
    if (r.status === "ok") putHost(r.data);
    else setActionError(r.error);
  };
  const install = async (h: HostEntry) => {
    setActionError(null);
    const r = await commands.hostsInstall(h.id);
    if (r.status === "error") setActionError(r.error);
    else {
      const list = await commands.jobsList();
      const j = list.find((x) => x.id === r.data);
      if (j) applyJob(j);
    }
  };
  const remove = async (h: HostEntry) => {
    const r = await commands.hostsRemove(h.id);
    if (r.status === "ok") {
      dropHost(h.id);
      setSelected(null);
      toast.success(`Removed ${h.name}`, "Its key was forgotten too.");
    } else {
      setActionError(r.error);
    }
  };

  return (
    <div class="p-6 space-y-5 max-w-5xl" data-testid="hosts-page">
      <div class="flex items-center gap-3">
        <p class="text-[13px] text-muted flex-1">Servers you manage over SSH. Tidepool checks each one's key, logs in with your SSH agent or a key file, and can install the gateway there.</p>
        <Button variant="primary" icon={<Plus size={15} />} data-testid="add-host" onClick={() => setAdding(true)}>
          Add a host
        </Button>
      </div>
      <Show when={hostsError()}>{(e) => <ErrorNotice testid="hosts-error" error={presentError(e(), { title: "Tidepool could not read your hosts" })} />}</Show>
      <Show
        when={(hosts()?.length ?? 0) > 0}
        fallback={
          <Show when={hosts()} fallback={<div class="tp-skeleton h-24" role="progressbar" aria-busy="true" aria-label="Loading" />}>
            <section class="rounded-lg border border-dashed border-line bg-surface p-10 text-center space-y-3" data-testid="hosts-empty">
              <Server size={28} class="mx-auto text-muted" />
              <h2 class="text-base font-semibold">No hosts yet</h2>
              <p class="text-[13px] text-muted max-w-md mx-auto">
                Add a server you can reach with SSH, like a VPS or a machine at home. You need its address and a key that lets you in; no password is stored.
              </p>
              <Button variant="primary" icon={<Plus size={15} />} onClick={() => setAdding(true)}>
                Add a host
              </Button>
            </section>
          </Show>
        }
      >
        <SortableTable
          rows={hosts() ?? []}
          columns={COLUMNS}
          rowKey={(h) => h.id}
          label="Hosts"
          selected={current()?.id ?? null}
          onSelect={(h) => setSelected(h.id)}
          initialSort={{ column: "name", dir: "ascending" }}
          testid="hosts-table"
          rowTestid="host-row"
        />
        <Show when={current()}>
          {(h) => (
            <section class="rounded-lg border border-line bg-surface p-5 space-y-4" data-testid="host-details">
              <div class="flex items-center gap-3">
                <h2 class="font-semibold flex-1 truncate">{h().name}</h2>
                <Button variant="secondary" icon={<RefreshCw size={15} />} loading={probing()} onClick={() => void probe(h())}>
                  Check again
                </Button>
                <Button variant="primary" data-testid="host-install" disabled={job()?.state.kind === "running"} onClick={() => void install(h())}>
                  {h().facts?.tidepool ? "Upgrade Tidepool" : "Install Tidepool"}
                </Button>
                <Button variant="danger" icon={<Trash2 size={15} />} data-testid="host-remove" onClick={() => setRemoving(h())}>
                  Remove
                </Button>
              </div>
              <Show when={actionError()}>{(e) => <ErrorNotice testid="host-action-error" error={presentError(e())} />}</Show>
              <Show when={h().installed || h().facts?.tidepool}>
                <HostGateway host={h()} />
              </Show>
              <Facts host={h()} />
              <Show when={job()}>{(j) => <JobView job={j()} onCancel={() => void commands.jobsCancel(j().id)} />}</Show>
            </section>
          )}
        </Show>
      </Show>
      <AddHost
        open={adding()}
        onClose={() => {
          setAdding(false);
        }}
      />
      <ConfirmDialog
        open={removing() != null}
        title={`Remove ${removing()?.name ?? ""}?`}
        confirmLabel="Remove"
        tone="danger"
        onConfirm={async () => {
          const h = removing();
          setRemoving(null);
          if (h) await remove(h);
        }}
        onCancel={() => setRemoving(null)}
      >
        Tidepool forgets this host and its key. Nothing on the server changes: a gateway installed there keeps running.
      </ConfirmDialog>
    </div>
  );
}
