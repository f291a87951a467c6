import { errorText } from "../../shared/lib/format";
import { createSignal } from "solid-js";
import { commands, type SetupInfo_Serialize, type SetupProgress_Serialize } from "../../bindings";

/** What the first-run setup needs; `null` until loaded. */
const [setup, setSetup] = createSignal<SetupInfo_Serialize | null>(null);
const [setupError, setSetupError] = createSignal<string | null>(null);
// Set up before and started again from Settings: nothing was left off, so the wizard does not
// say it is "picking up where you left off".
const [rerun, setRerun] = createSignal(false);
export { setup, setupError, rerun };

export async function loadSetup(): Promise<void> {
  const r = await commands.onboardingInfo();
  if (r.status === "ok") {
    setSetup(r.data);
    setSetupError(null);
  } else {
    setSetupError(errorText(r.error));
  }
}

/** Settings → "Run setup again" (or straight to one step, e.g. `remote`). */
export async function rerunSetup(step = "welcome"): Promise<string | null> {
  const cur = setup();
  if (!cur) return "setup information is not loaded";
  const progress: SetupProgress_Serialize = { ...cur.progress, status: "inProgress", step, imported: false };
  const r = await commands.onboardingSave(progress);
  if (r.status === "error") return errorText(r.error);
  setRerun(true);
  setSetup({ ...cur, needed: true, progress });
  return null;
}

/** The wizard finished (or was left for the app). */
export function closeSetup() {
  const cur = setup();
  if (cur) setSetup({ ...cur, needed: false, progress: { ...cur.progress, status: "done", step: "welcome" } });
  setRerun(false);
}

export function resetSetupStore() {
  setSetup(null);
  setSetupError(null);
  setRerun(false);
}
