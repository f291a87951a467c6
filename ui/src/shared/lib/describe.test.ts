import { describe, expect, it } from "vitest";
import { withoutTitle } from "./describe";

describe("withoutTitle", () => {
  it("drops a description that only says the title again", () => {
    expect(withoutTitle("Cache read", "Cache reads.")).toBeNull();
    expect(withoutTitle("Port", "port")).toBeNull();
    expect(withoutTitle("Base URL", "Base URL!")).toBeNull();
    expect(withoutTitle("Port", "Port:")).toBeNull();
  });

  it("keeps what follows the title and a separator, as a sentence", () => {
    expect(withoutTitle("Gateway", "Gateway: where it listens, who may connect, and its limits.")).toBe("Where it listens, who may connect, and its limits.");
    expect(withoutTitle("API key", 'API key: a secret reference like `{ source: "store" }` (or text).')).toBe('A secret reference like `{ source: "store" }` (or text).');
    expect(withoutTitle("Context window", "Context window, tokens.")).toBe("Tokens.");
    expect(withoutTitle("Rules", "Rules, matched against every program a command runs.")).toBe("Matched against every program a command runs.");
    expect(withoutTitle("Mode", "Mode — how it reloads.")).toBe("How it reloads.");
    expect(withoutTitle("Mode", "MODE; how it reloads")).toBe("How it reloads");
  });

  it("unwraps a parenthesis that follows the title", () => {
    expect(withoutTitle("Port", "Port (default 18789; 0 = any free port).")).toBe("Default 18789; 0 = any free port.");
    expect(withoutTitle("Model", "Model (`provider/model-id`).")).toBe("`provider/model-id`.");
    expect(withoutTitle("Port", "Port (default 18789) and more")).toBe("(default 18789) and more");
  });

  it("leaves a sentence whose subject is the title, and one that does not start with it", () => {
    expect(withoutTitle("Models", "Models this provider offers (optional).")).toBe("Models this provider offers (optional).");
    expect(withoutTitle("Workspace", "Workspace folder.")).toBe("Workspace folder.");
    expect(withoutTitle("Tick interval (ms)", "How often the gateway sends a tick.")).toBe("How often the gateway sends a tick.");
    expect(withoutTitle("Portal", "Port (default 18789).")).toBe("Port (default 18789).");
  });

  it("has nothing to show for no description, and keeps one when the title has no words", () => {
    expect(withoutTitle("Port", undefined)).toBeNull();
    expect(withoutTitle("Port", "   ")).toBeNull();
    expect(withoutTitle("…", "Anything.")).toBe("Anything.");
  });
});
