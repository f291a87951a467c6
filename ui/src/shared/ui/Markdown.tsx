import { commands } from "../../bindings";
import { errorText } from "../lib/format";
import { renderMarkdown } from "../lib/markdown";
import { toast } from "./Toast";

/** Opens a link from rendered text in the system browser (the app's own window never
 *  navigates); a refused or failed link says why in a toast. */
export async function openLink(href: string): Promise<void> {
  const r = await commands.appOpenLink(href);
  if (r.status === "error") toast.error("Link not opened", errorText(r.error));
}

/** Markdown (a reply, a note) with its links opened in the system browser. */
export function Markdown(props: { text: string; testid?: string }) {
  const onClick = (e: MouseEvent) => {
    const a = e.target instanceof Element ? e.target.closest("a") : null;
    if (!a) return;
    e.preventDefault();
    const href = a.getAttribute("href");
    if (href) void openLink(href);
  };
  // biome-ignore lint/a11y/noStaticElementInteractions lint/a11y/useKeyWithClickEvents: not a control: it catches clicks on the rendered links (which Enter activates too) to open them in the browser
  return <div class="tp-markdown" data-testid={props.testid} onClick={onClick} innerHTML={renderMarkdown(props.text)} />;
}
