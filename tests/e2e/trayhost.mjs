// A tray host for the end-to-end tests, the part of a desktop panel that shows tray icons.
// Linux apps (Tauri through libayatana-appindicator) put their icon in the tray as a
// StatusNotifierItem: they register it with `org.kde.StatusNotifierWatcher` on the session bus
// and export its menu over `com.canonical.dbusmenu`. Under bare Xvfb nobody owns that name, so
// this module does what a panel does: it owns the watcher (start it before the app), takes the
// items that register, reads their properties (status, icon, label), reads the menu and clicks
// its lines with the same D-Bus calls a panel makes when a user opens the menu and picks a line.
import fs from "node:fs";
import dbus from "dbus-next";

const { Interface } = dbus.interface;
const { Message, Variant } = dbus;

const WATCHER = "org.kde.StatusNotifierWatcher";
const WATCHER_PATH = "/StatusNotifierWatcher";
const ITEM = "org.kde.StatusNotifierItem";
const MENU = "com.canonical.dbusmenu";
const DO_NOT_QUEUE = 4;
const PRIMARY_OWNER = 1;

class Watcher extends Interface {
  constructor() {
    super(WATCHER);
    this.items = [];
  }
  get RegisteredStatusNotifierItems() {
    return this.items;
  }
  get IsStatusNotifierHostRegistered() {
    return true;
  }
  get ProtocolVersion() {
    return 0;
  }
  StatusNotifierItemRegistered(item) {
    return item;
  }
  StatusNotifierItemUnregistered(item) {
    return item;
  }
  StatusNotifierHostRegistered() {}
  StatusNotifierHostUnregistered() {}
}
Watcher.configureMembers({
  properties: {
    RegisteredStatusNotifierItems: { signature: "as", access: "read" },
    IsStatusNotifierHostRegistered: { signature: "b", access: "read" },
    ProtocolVersion: { signature: "i", access: "read" },
  },
  signals: {
    StatusNotifierItemRegistered: { signature: "s" },
    StatusNotifierItemUnregistered: { signature: "s" },
    StatusNotifierHostRegistered: { signature: "" },
    StatusNotifierHostUnregistered: { signature: "" },
  },
});

/** JavaScript values for D-Bus ones: variants unwrapped, all the way down. */
function plain(v) {
  if (v instanceof Variant) return plain(v.value);
  if (Buffer.isBuffer(v)) return v;
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** One dbusmenu node `(ia{sv}av)` as `{ id, type, label, enabled, visible, children }`, with
 * the dbusmenu defaults for properties the server leaves out. */
function node([id, props, children]) {
  const p = plain(props);
  return {
    id,
    type: p.type ?? "standard",
    // GTK mnemonics travel as `_x`; a literal underscore as `__`.
    label: (p.label ?? "").replace(/_(.)/g, "$1"),
    enabled: p.enabled ?? true,
    visible: p.visible ?? true,
    props: p,
    children: children.map((c) => node(plain(c))),
  };
}

/** One registered tray icon, seen from the host. */
export class TrayItem {
  constructor(bus, service, path) {
    this.bus = bus;
    this.service = service;
    this.path = path;
    /** Label changes seen on the menu since it was first read. */
    this.history = [];
  }

  async #iface(path, name) {
    const obj = await this.bus.getProxyObject(this.service, path);
    return obj.getInterface(name);
  }

  /** The pid of the process that owns the item (its bus name's). */
  async pid() {
    const obj = await this.bus.getProxyObject("org.freedesktop.DBus", "/org/freedesktop/DBus");
    return obj.getInterface("org.freedesktop.DBus").GetConnectionUnixProcessID(this.service);
  }

  /** The item's properties (Status, Title, IconName, IconThemePath, Menu, ToolTip, …). */
  async props() {
    const p = await this.#iface(this.path, "org.freedesktop.DBus.Properties");
    return plain(await p.GetAll(ITEM));
  }

  async #menu() {
    if (!this.menuIface) {
      const { Menu } = await this.props();
      if (!Menu || Menu === "/") throw new Error(`the tray item ${this.service}${this.path} exports no menu`);
      const m = await this.#iface(Menu, MENU);
      // What the menu said over time (each label change the app sent), for the test's log.
      m.on("ItemsPropertiesUpdated", (updated) => {
        for (const [id, props] of updated) {
          const p = plain(props);
          if (typeof p.label === "string") this.history.push(`${id}: ${p.label.replace(/_(.)/g, "$1")}`);
        }
      });
      this.menuIface = m;
    }
    return this.menuIface;
  }

  /** The whole menu as a panel reads it when it opens: AboutToShow on the root (the app may
   * fill it in then), then GetLayout. */
  async layout() {
    const m = await this.#menu();
    await m.AboutToShow(0).catch(() => {});
    const [revision, root] = await m.GetLayout(0, -1, []);
    return { revision, root: node(root) };
  }

  /** The lines a user sees in the open menu, top to bottom: `{ id, label, enabled }`, a
   * separator as `{ separator: true }`. Hidden lines are left out. */
  async lines() {
    const { root } = await this.layout();
    return root.children
      .filter((c) => c.visible)
      .map((c) => (c.type === "separator" ? { id: c.id, separator: true } : { id: c.id, label: c.label, enabled: c.enabled }));
  }

  /** Opens the menu and clicks the line whose text is `label` (a string, or a RegExp), as a
   * panel does: AboutToShow and GetLayout, then the "clicked" event on that line, and the menu
   * closes. A panel does not let a disabled line be clicked: neither does this. */
  async click(label) {
    const m = await this.#menu();
    const lines = await this.lines();
    const match = (l) => !l.separator && (label instanceof RegExp ? label.test(l.label) : l.label === label);
    const line = lines.find(match);
    if (!line) throw new Error(`no menu line ${label} in ${JSON.stringify(lines.map((l) => l.label ?? "---"))}`);
    if (!line.enabled) throw new Error(`the menu line "${line.label}" is disabled`);
    const now = Math.floor(Date.now() / 1000) >>> 0;
    // "opened" and "closed" only tell the app the menu is on screen; an app that quits on the
    // click is gone before it answers "closed".
    await m.Event(0, "opened", new Variant("i", 0), now).catch(() => {});
    await m.Event(line.id, "clicked", new Variant("i", 0), now);
    await m.Event(0, "closed", new Variant("i", 0), now).catch(() => {});
    return line;
  }
}

/** Owns the StatusNotifierWatcher name on the session bus and keeps the items that register.
 * Start it before the app: an indicator that finds no watcher at launch shows an XEmbed icon
 * (GtkStatusIcon) instead, and registers only once a watcher appears. */
export async function startTrayHost() {
  const bus = dbus.sessionBus();
  const watcher = new Watcher();
  const items = new Map(); // "service/path" -> TrayItem
  const log = [];
  const waiters = new Set();
  const changed = () => {
    for (const w of waiters) w();
  };

  bus.export(WATCHER_PATH, watcher);
  // Registrations are answered here, where the caller's bus name is known (an interface
  // method in dbus-next does not see it).
  bus.addMethodHandler((msg) => {
    if (msg.path !== WATCHER_PATH || (msg.interface && msg.interface !== WATCHER)) return false;
    if (msg.member === "RegisterStatusNotifierHost") {
      bus.send(Message.newMethodReturn(msg, "", []));
      return true;
    }
    if (msg.member !== "RegisterStatusNotifierItem") return false;
    // The argument is an object path (the caller's name is the service), or a bus name
    // (then the item is at /StatusNotifierItem), as the KDE watcher takes it.
    const arg = msg.body[0];
    const [service, path] = arg.startsWith("/") ? [msg.sender, arg] : [arg, "/StatusNotifierItem"];
    const key = `${service}${path}`;
    bus.send(Message.newMethodReturn(msg, "", []));
    if (!items.has(key)) {
      items.set(key, new TrayItem(bus, service, path));
      watcher.items = [...items.keys()];
      log.push(`registered ${key}`);
      watcher.StatusNotifierItemRegistered(key);
      Interface.emitPropertiesChanged(watcher, { RegisteredStatusNotifierItems: watcher.items }, []);
      changed();
    }
    return true;
  });

  // An item whose owner leaves the bus (the app quit or died) leaves the tray.
  const busObj = await bus.getProxyObject("org.freedesktop.DBus", "/org/freedesktop/DBus");
  const busIface = busObj.getInterface("org.freedesktop.DBus");
  busIface.on("NameOwnerChanged", (name, _old, now) => {
    if (now) return;
    for (const [key, item] of items) {
      if (item.service !== name) continue;
      items.delete(key);
      watcher.items = [...items.keys()];
      log.push(`unregistered ${key}`);
      watcher.StatusNotifierItemUnregistered(key);
      Interface.emitPropertiesChanged(watcher, { RegisteredStatusNotifierItems: watcher.items }, []);
      changed();
    }
  });

  const got = await bus.requestName(WATCHER, DO_NOT_QUEUE);
  if (got !== PRIMARY_OWNER) throw new Error(`${WATCHER} is already owned on this bus (reply ${got}): another tray host runs`);
  // A host of its own, as a panel has.
  await bus.requestName(`org.kde.StatusNotifierHost-${process.pid}-1`, DO_NOT_QUEUE);
  watcher.StatusNotifierHostRegistered();

  return {
    bus,
    log,
    /** The items registered now. */
    items: () => [...items.values()],
    /** Resolves with the first item for which `accept(item)` is true, once one registers. */
    waitItem(accept = () => true, ms = 20000) {
      return new Promise((resolve, reject) => {
        const check = async () => {
          for (const it of items.values()) {
            if (await Promise.resolve(accept(it)).catch(() => false)) {
              done();
              resolve(it);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no tray item of the kind asked for within ${ms} ms (${log.join("; ") || "no registration at all"})`));
        }, ms);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    /** Whether `item` is still in the tray. */
    has: (item) => items.has(`${item.service}${item.path}`),
    async stop() {
      await bus.releaseName(WATCHER).catch(() => {});
      bus.disconnect();
    },
  };
}

/** Reads a PNG as 8-bit RGBA with ImageMagick: `{ width, height, rgba }`. */
export async function readPng(file) {
  const { execFileSync } = await import("node:child_process");
  const [w, h] = execFileSync("identify", ["-format", "%w %h", file], { encoding: "utf8" }).trim().split(" ").map(Number);
  const rgba = execFileSync("convert", [file, "-depth", "8", "rgba:-"], { maxBuffer: 64 << 20 });
  return { width: w, height: h, rgba };
}

/** The file an item's icon is in: IconName, when it is a path, else IconName.png in the
 * item's IconThemePath. Null when neither is a file. */
export function iconFile(props) {
  const name = props.IconName ?? "";
  const candidates = name.startsWith("/") ? [name, `${name}.png`] : props.IconThemePath ? [`${props.IconThemePath}/${name}.png`, `${props.IconThemePath}/${name}`] : [];
  return candidates.find((f) => fs.existsSync(f) && fs.statSync(f).isFile()) ?? null;
}

/** Which of `icons` ({ name: png file }) the item's icon shows: the closest by mean absolute
 * channel difference, `{ name, distance, distances, image }`. Pixels for which
 * `skip(x, y, width, height)` is true are left out (e.g. where a badge is painted over). */
export async function classifyIcon(file, icons, skip = () => false) {
  const got = await readPng(file);
  const distances = {};
  for (const [name, f] of Object.entries(icons)) {
    const want = await readPng(f);
    if (want.width !== got.width || want.height !== got.height) {
      distances[name] = Infinity;
      continue;
    }
    let sum = 0;
    let n = 0;
    for (let y = 0; y < got.height; y++) {
      for (let x = 0; x < got.width; x++) {
        if (skip(x, y, got.width, got.height)) continue;
        const i = (y * got.width + x) * 4;
        for (let c = 0; c < 4; c++) sum += Math.abs(got.rgba[i + c] - want.rgba[i + c]);
        n += 4;
      }
    }
    distances[name] = sum / n;
  }
  const [name, distance] = Object.entries(distances).sort((a, b) => a[1] - b[1])[0];
  return { name, distance, distances, image: got };
}
