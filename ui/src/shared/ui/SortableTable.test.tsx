import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import { afterEach, describe, expect, it } from "vitest";
import { nameOfKey, plainText, rememberTitles, sessionName } from "../lib/sessions";
import { type Column, SortableTable, sortRows } from "./SortableTable";

type Host = { name: string; cpu: number };
const HOSTS: Host[] = [
  { name: "beta", cpu: 30 },
  { name: "alpha", cpu: 80 },
  { name: "gamma", cpu: 10 },
];
const COLS: Column<Host>[] = [
  { id: "name", header: "Name", sort: (a, b) => a.name.localeCompare(b.name), cell: (h) => h.name },
  { id: "cpu", header: "CPU", align: "right", firstDir: "descending", sort: (a, b) => a.cpu - b.cpu, cell: (h) => `${h.cpu}%` },
  { id: "note", header: "Note", cell: () => "—" },
];

function view() {
  const [selected, setSelected] = createSignal<string | null>(null);
  const [filter, setFilter] = createSignal("");
  render(() => (
    <SortableTable
      label="Hosts"
      testid="hosts"
      rowTestid="host"
      rows={HOSTS}
      columns={COLS}
      rowKey={(h) => h.name}
      selected={selected()}
      onSelect={(h) => setSelected(h.name)}
      filter={filter()}
      match={(h, q) => h.name.includes(q)}
      empty="No host matches."
    />
  ));
  return { selected, setFilter };
}

const names = () => screen.getAllByTestId("host").map((r) => r.querySelector("td")?.textContent);
const th = (name: string) => screen.getByRole("columnheader", { name: new RegExp(name) });

afterEach(cleanup);

describe("SortableTable", () => {
  it("sorts by a header click, says so with aria-sort, and flips on a second click", () => {
    view();
    expect(names()).toEqual(["beta", "alpha", "gamma"]);
    expect(th("Name").getAttribute("aria-sort")).toBe("none");
    expect(th("Note").getAttribute("aria-sort")).toBeNull();
    fireEvent.click(screen.getByTestId("hosts-sort-name"));
    expect(names()).toEqual(["alpha", "beta", "gamma"]);
    expect(th("Name").getAttribute("aria-sort")).toBe("ascending");
    fireEvent.click(screen.getByTestId("hosts-sort-name"));
    expect(names()).toEqual(["gamma", "beta", "alpha"]);
    expect(th("Name").getAttribute("aria-sort")).toBe("descending");
    // Numbers start largest first.
    fireEvent.click(screen.getByTestId("hosts-sort-cpu"));
    expect(names()).toEqual(["alpha", "beta", "gamma"]);
    expect(th("CPU").getAttribute("aria-sort")).toBe("descending");
    expect(th("Name").getAttribute("aria-sort")).toBe("none");
  });

  it("keeps the selection across sorting and filtering", () => {
    const { selected, setFilter } = view();
    fireEvent.click(screen.getAllByTestId("host")[2]);
    expect(selected()).toBe("gamma");
    fireEvent.click(screen.getByTestId("hosts-sort-cpu"));
    const row = () => screen.getAllByTestId("host").find((r) => r.getAttribute("aria-selected") === "true");
    expect(row()?.querySelector("td")?.textContent).toBe("gamma");
    setFilter("a");
    expect(names()).toEqual(["alpha", "beta", "gamma"]);
    setFilter("gam");
    expect(names()).toEqual(["gamma"]);
    expect(row()?.querySelector("td")?.textContent).toBe("gamma");
    setFilter("zzz");
    expect(screen.getByText("No host matches.")).toBeTruthy();
    setFilter("");
    expect(row()?.querySelector("td")?.textContent).toBe("gamma");
  });

  it("moves the selection and the focus with the arrow keys, in the shown order", async () => {
    const { selected } = view();
    fireEvent.click(screen.getByTestId("hosts-sort-name"));
    const rows = screen.getAllByTestId("host");
    // One tab stop: the first row until something is selected.
    expect(rows.map((r) => r.tabIndex)).toEqual([0, -1, -1]);
    fireEvent.keyDown(rows[0], { key: "ArrowDown" });
    expect(selected()).toBe("beta");
    await new Promise((r) => setTimeout(r, 0));
    expect(document.activeElement?.getAttribute("data-key")).toBe("beta");
    fireEvent.keyDown(document.activeElement ?? rows[0], { key: "End" });
    expect(selected()).toBe("gamma");
    fireEvent.keyDown(rows[2], { key: "ArrowDown" });
    expect(selected()).toBe("gamma");
    fireEvent.keyDown(rows[2], { key: "Home" });
    expect(selected()).toBe("alpha");
    expect(screen.getAllByTestId("host").map((r) => r.tabIndex)).toEqual([0, -1, -1]);
  });

  it("sorts stably", () => {
    const rows = [
      { name: "a", cpu: 1 },
      { name: "b", cpu: 1 },
      { name: "c", cpu: 0 },
    ];
    expect(sortRows(rows, COLS, { column: "cpu", dir: "descending" }).map((r) => r.name)).toEqual(["a", "b", "c"]);
    expect(sortRows(rows, COLS, null).map((r) => r.name)).toEqual(["a", "b", "c"]);
  });
});

describe("sessionName", () => {
  it.each([
    [{ key: "agent:main:trip", title: "Trip planning" }, "Trip planning"],
    [{ key: "agent:main:main", title: "agent:main:main" }, "Main conversation"],
    [{ key: "agent:main:trip-planning", title: "" }, "Trip planning"],
    [{ key: "agent:ops:dailyReport", title: "agent:ops:dailyReport" }, "Daily report"],
    [{ key: "agent:main:x", title: "**Plan** the `trip`" }, "Plan the trip"],
    [{ key: "agent:main:y", title: "  **  " }, "**"],
  ])("%j → %s", (s, want) => {
    expect(sessionName(s)).toBe(want);
  });
});

describe("plainText", () => {
  it.each([
    ["plain words  and\nlines", "plain words and lines"],
    ["# Heading\n\nsome *emphasis* and __strong__", "Heading some emphasis and strong"],
    ["see [the docs](https://example.com) or ![logo](x.png)", "see the docs or logo"],
    ["- one\n- two\n\n1. three", "one two three"],
    ["> quoted `code` & <b>bold</b>", "quoted code & bold"],
    ["```sh\nls -la\n```", "ls -la"],
    ["2 < 3 && a_b_c", "2 < 3 && a_b_c"],
    ["", ""],
  ])("%j → %j", (md, want) => {
    expect(plainText(md)).toBe(want);
  });
});

describe("nameOfKey", () => {
  it("names a conversation by the title it was listed with, else from its key", () => {
    expect(nameOfKey("agent:main:chat-01abc")).toBe("Chat 01abc");
    rememberTitles([{ key: "agent:main:chat-01abc", title: "**Trip** ideas" }]);
    expect(nameOfKey("agent:main:chat-01abc")).toBe("Trip ideas");
    expect(nameOfKey("agent:main:main")).toBe("Main conversation");
  });
});
