import { cleanup, render, screen, waitFor } from "@solidjs/testing-library";
import userEvent from "@testing-library/user-event";
import { createSignal } from "solid-js";
import { afterEach, describe, expect, it } from "vitest";
import { Select } from "./Select";

afterEach(cleanup);

describe("Select", () => {
  it("names the chosen option, lists them all, and picks one with the keyboard", async () => {
    const user = userEvent.setup();
    const [v, setV] = createSignal("");
    render(() => (
      <Select
        label="Model"
        testid="model"
        value={v()}
        onChange={setV}
        options={[
          { value: "", label: "Agent default" },
          { value: "fake/a", label: "Model A", hint: "fake/a" },
          { value: "fake/b", label: "Model B" },
        ]}
      />
    ));
    const trigger = screen.getByTestId("model");
    expect(trigger.textContent).toContain("Agent default");
    trigger.focus();
    await user.keyboard("{ArrowDown}");
    const list = await screen.findByRole("listbox");
    expect([...list.querySelectorAll("[role=option]")].map((o) => o.textContent)).toEqual(["Agent default", "Model Afake/a", "Model B"]);
    await user.keyboard("{ArrowDown}{Enter}");
    await waitFor(() => expect(v()).toBe("fake/a"));
    expect(trigger.textContent).toContain("Model A");
  });
});
