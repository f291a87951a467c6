import { commands } from "../../bindings";

/** With `tidepool-desktop --self-test` (the smoke run of `scripts/run`): once the Dashboard
 *  really shows the gateway running, tell the app, which prints it and quits. */
export async function initSelfTest(root: Node = document.body): Promise<void> {
  const info = await commands.appInfo();
  if (!info.selfTest) return;
  // The Dashboard's "running" section (state, address, pid, ...) is shown only while it is.
  const seen = () => root instanceof Element && root.querySelector('[data-testid="running"]') !== null;
  await new Promise<void>((resolve) => {
    if (seen()) return resolve();
    const obs = new MutationObserver(() => {
      if (seen()) {
        obs.disconnect();
        resolve();
      }
    });
    obs.observe(root, { childList: true, subtree: true });
  });
  await commands.appSelfTestPassed("the dashboard shows the gateway running");
}
