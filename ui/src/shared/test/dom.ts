import { screen } from "@solidjs/testing-library";

/** An element class (`HTMLInputElement`, ...), to check what a query found. */
type ElementClass<T extends Element> = { new (): T; prototype: T };

/** The value, which the test expects to be there; fails naming `what` when it is not. */
export function defined<T>(value: T | null | undefined, what = "value"): T {
  if (value === null || value === undefined) throw new Error(`expected ${what}, found ${String(value)}`);
  return value;
}

/** `el` as the kind of element the test expects; fails saying what it is instead. */
export function element<T extends Element>(el: Element | null | undefined, type: ElementClass<T>): T {
  if (!(el instanceof type)) throw new Error(`expected ${type.name}, found ${el ? `<${el.tagName.toLowerCase()}>` : String(el)}`);
  return el;
}

/** `screen.getByTestId`, checked to be a `type`. */
export const byTestId = <T extends Element>(id: string, type: ElementClass<T>): T => element(screen.getByTestId(id), type);

/** `screen.findByTestId`, checked to be a `type`. */
export const findByTestId = async <T extends Element>(id: string, type: ElementClass<T>): Promise<T> => element(await screen.findByTestId(id), type);

/** The radio button inside the choice (a label) with this test id. */
export const radio = (id: string): HTMLInputElement => element(screen.getByTestId(id).querySelector("input[type=radio]"), HTMLInputElement);
