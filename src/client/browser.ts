/**
 * The few browser objects the client touches, typed structurally: the package compiles without the DOM
 * library, and tests hand in their own.
 */

/** `sessionStorage`, or anything with its three methods. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface PopupLike {
  readonly closed: boolean;
  close(): void;
}

export interface MessageEventLike {
  readonly origin: string;
  readonly data: unknown;
}

export interface WindowLike {
  readonly location: { readonly href: string; readonly origin: string; assign(url: string): void };
  readonly opener?: { postMessage(message: unknown, targetOrigin: string): void } | null;
  open(url: string, target: string, features: string): PopupLike | null;
  close?(): void;
  addEventListener(type: 'message', listener: (event: MessageEventLike) => void): void;
  removeEventListener(type: 'message', listener: (event: MessageEventLike) => void): void;
  readonly sessionStorage?: StorageLike;
}

/** The page's window; a `TypeError` naming what is missing outside a browser. */
export function browserWindow(given: WindowLike | undefined, what: string): WindowLike {
  const found = given ?? (globalThis as { window?: WindowLike }).window;
  if (found === undefined) throw new TypeError(`${what} needs a browser window: pass the "window" option outside a browser`);
  return found;
}

/** What the popup's callback page posts to the page that opened it. */
export const CALLBACK_MESSAGE = 'step-up-gateway:callback';
/** Also posted on this `BroadcastChannel`: a provider page with `Cross-Origin-Opener-Policy` severs `window.opener`. */
export const CALLBACK_CHANNEL = 'step-up-gateway';

export interface CallbackMessage {
  readonly type: typeof CALLBACK_MESSAGE;
  readonly url: string;
}

export function isCallbackMessage(data: unknown): data is CallbackMessage {
  return typeof data === 'object' && data !== null && (data as CallbackMessage).type === CALLBACK_MESSAGE && typeof (data as CallbackMessage).url === 'string';
}

/**
 * The popup's callback page (the `redirectUri` of popup mode) calls this: it hands its URL, which holds the
 * authorization response, to the page that opened it, on the same origin only, then closes itself. The
 * code is useless without the PKCE verifier, which never left the opener's memory.
 */
export function handlePopupCallback(win?: WindowLike): void {
  const page = browserWindow(win, 'handlePopupCallback');
  const message: CallbackMessage = { type: CALLBACK_MESSAGE, url: page.location.href };
  page.opener?.postMessage(message, page.location.origin);
  if (typeof BroadcastChannel === 'function') {
    const channel = new BroadcastChannel(CALLBACK_CHANNEL);
    channel.postMessage(message);
    channel.close();
  }
  page.close?.();
}
