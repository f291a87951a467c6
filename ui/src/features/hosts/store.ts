import { createSignal } from "solid-js";
import { commands, events, type AppError, type HostEntry, type Job } from "../../bindings";

const [hosts, setHosts] = createSignal<HostEntry[] | null>(null);
const [hostsError, setHostsError] = createSignal<AppError | null>(null);
const [jobs, setJobs] = createSignal<Job[]>([]);

export { hosts, hostsError, jobs };

/** Jobs still working. */
export const runningJobs = () => jobs().filter((j) => j.state.kind === "running");

/** The newest job on a host (by its name, the job's target). */
export function jobFor(name: string): Job | null {
  return jobs().find((j) => j.target === name) ?? null;
}

/** Puts a job's new state in the list (newest first). When an install finishes, the host is
 *  probed again so the list shows the version it runs now. */
export function applyJob(job: Job): void {
  const before = jobs().find((j) => j.id === job.id);
  setJobs((list) => [job, ...list.filter((j) => j.id !== job.id)].sort((a, b) => b.startedAtMs - a.startedAtMs));
  const finished = job.state.kind === "succeeded" && before?.state.kind !== "succeeded";
  const host = hosts()?.find((h) => h.name === job.target);
  if (finished && job.kind === "host.install" && host) {
    void commands.hostsProbe(host.id).then((r) => {
      if (r.status === "ok") putHost(r.data);
    });
  }
}

/** Reads the hosts again. */
export async function loadHosts(): Promise<void> {
  const r = await commands.hostsList();
  if (r.status === "ok") {
    setHosts(Array.isArray(r.data) ? r.data : []);
    setHostsError(null);
  } else {
    setHostsError(r.error);
  }
}

/** Replaces one host in the list (after a probe), or appends it (after an add). */
export function putHost(h: HostEntry): void {
  setHosts((list) => {
    const l = list ?? [];
    return l.some((x) => x.id === h.id) ? l.map((x) => (x.id === h.id ? h : x)) : [...l, h];
  });
}

/** Drops one host from the list (after a remove). */
export function dropHost(id: string): void {
  setHosts((list) => (list ?? []).filter((h) => h.id !== id));
}

let started = false;

/** Loads the hosts and the jobs and follows job changes (once per app run). */
export async function initHosts(): Promise<void> {
  if (started) return;
  started = true;
  await events.jobChanged.listen((e) => applyJob(e.payload));
  const list = await commands.jobsList().catch(() => []);
  setJobs(Array.isArray(list) ? list : []);
  await loadHosts();
}

/** Tests: forget everything. */
export function resetHostsStore(): void {
  started = false;
  setHosts(null);
  setHostsError(null);
  setJobs([]);
}
