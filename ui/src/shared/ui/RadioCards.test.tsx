import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import { afterEach, describe, expect, it } from "vitest";
import { radio } from "../test/dom";
import { RadioCard, RadioCards } from "./RadioCards";
import { Segmented } from "./Segmented";

afterEach(cleanup);

describe("RadioCards", () => {
  it("is a labelled radio group whose cards follow the value", () => {
    const [v, setV] = createSignal("ask");
    render(() => (
      <RadioCards label="Safety" name="safety" value={v()}>
        <RadioCard value="ask" testid="c-ask" title="Ask me first" text="Waits for you." onSelect={() => setV("ask")} />
        <RadioCard value="deny" testid="c-deny" title="Never" badge="Strict" onSelect={() => setV("deny")} />
      </RadioCards>
    ));
    expect(screen.getByRole("radiogroup", { name: "Safety" })).toBeTruthy();
    expect(radio("c-ask").checked).toBe(true);
    expect(screen.getByTestId("c-ask").hasAttribute("data-checked")).toBe(true);
    fireEvent.click(radio("c-deny"));
    expect(v()).toBe("deny");
    expect(radio("c-deny").checked).toBe(true);
    expect(screen.getByTestId("c-deny").hasAttribute("data-checked")).toBe(true);
    expect(screen.getByTestId("c-ask").hasAttribute("data-checked")).toBe(false);
    expect(screen.getByText("Strict")).toBeTruthy();
  });
});

describe("Segmented", () => {
  it("keeps its API: a segment per option, by test id, following the value", async () => {
    const [v, setV] = createSignal<"a" | "b">("a");
    render(() => (
      <Segmented
        label="Pick"
        name="pick"
        testid="seg"
        options={[
          { id: "a", label: "A" },
          { id: "b", label: "B" },
        ]}
        value={v()}
        onChange={async (id) => {
          if (id === "b") setV("b");
        }}
      />
    ));
    expect(radio("seg-a").checked).toBe(true);
    fireEvent.click(screen.getByTestId("seg-b"));
    await new Promise((r) => setTimeout(r, 0));
    expect(v()).toBe("b");
    expect(radio("seg-b").checked).toBe(true);
    expect(screen.getByTestId("seg-b").hasAttribute("data-checked")).toBe(true);
  });
});
