/**
 * The few DOM members the demo page uses, typed structurally like `src/client/browser.ts`: the package
 * compiles without the DOM library, and the page is bundled for the browser as it is.
 */
export interface DemoElement {
  textContent: string | null;
  hidden: boolean;
  className: string;
  /** Inputs only. */
  value: string;
  disabled: boolean;
  readonly dataset: Record<string, string | undefined>;
  append(...children: Array<DemoElement | string>): void;
  replaceChildren(...children: Array<DemoElement | string>): void;
  setAttribute(name: string, value: string): void;
  addEventListener(type: 'click' | 'submit', listener: (event: { preventDefault(): void }) => void): void;
  focus(): void;
}

export interface DemoWindow {
  readonly document: {
    getElementById(id: string): DemoElement | null;
    createElement(tag: string): DemoElement;
    querySelectorAll(selectors: string): Iterable<DemoElement>;
  };
  readonly location: { readonly hash: string; readonly search: string; readonly origin: string; assign(url: string): void };
  readonly history: { replaceState(data: unknown, unused: string, url: string): void };
  addEventListener(type: 'hashchange', listener: () => void): void;
  setInterval(handler: () => void, ms: number): number;
}

export const demoWindow = (): DemoWindow => (globalThis as unknown as { window: DemoWindow }).window;

type Child = DemoElement | string | false | undefined;

/** `h('p', { class: 'x' }, 'text', h('b', {}, 'bold'))`: elements from data, never HTML from strings. */
export function h(tag: string, attributes: Record<string, string | undefined> = {}, ...children: Child[]): DemoElement {
  const element = demoWindow().document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined) element.setAttribute(name, value);
  element.append(...children.filter((child): child is DemoElement | string => child !== false && child !== undefined));
  return element;
}

/** The element with this id; a `TypeError` naming it when the page lacks it. */
export function byId(id: string): DemoElement {
  const element = demoWindow().document.getElementById(id);
  if (element === null) throw new TypeError(`the demo page has no #${id}`);
  return element;
}
