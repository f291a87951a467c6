// jsdom lacks these browser APIs that the app uses.

/** A media query that never matches. */
class NoMatch extends EventTarget implements MediaQueryList {
  readonly matches = false;
  readonly media: string;
  onchange: MediaQueryList["onchange"] = null;
  constructor(media: string) {
    super();
    this.media = media;
  }
  addListener() {}
  removeListener() {}
}
if (!window.matchMedia) window.matchMedia = (query) => new NoMatch(query);

class RO {
  observe() {}
  unobserve() {}
  disconnect() {}
}
globalThis.ResizeObserver ??= RO;

// jsdom lays nothing out; give elements a viewport-like size so the virtualized log list
// renders its first window of rows as it would in a real window.
Object.defineProperty(HTMLElement.prototype, "offsetHeight", { configurable: true, get: () => 600 });
Object.defineProperty(HTMLElement.prototype, "offsetWidth", { configurable: true, get: () => 800 });
Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => 600 });
Object.defineProperty(HTMLElement.prototype, "clientWidth", { configurable: true, get: () => 800 });
