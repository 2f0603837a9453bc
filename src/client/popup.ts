import { CALLBACK_CHANNEL, isCallbackMessage, type MessageEventLike, type WindowLike } from './browser.js';
import { StepUpError } from './errors.js';

export interface PopupOptions {
  /** Popup window features. Default: `popup,width=520,height=720`. */
  readonly features?: string;
  /** Milliseconds between checks that the user has not closed the popup. Default 500. */
  readonly pollMs?: number;
}

/**
 * Opens the authorization request in a popup and resolves with the callback URL its page posts back
 * (`handlePopupCallback`), from the callback's own origin and carrying this request's `state`. The page
 * that opened it keeps its state: nothing unloads. Rejects `POPUP_BLOCKED` when the browser refuses the
 * window, `STEP_UP_CANCELLED` when the user closes it first.
 */
export function authorizeInPopup(win: WindowLike, url: URL, redirectUri: string, state: string, options: PopupOptions = {}): Promise<URL> {
  const popup = win.open(url.href, 'step-up-gateway', options.features ?? 'popup,width=520,height=720');
  if (popup === null) {
    return Promise.reject(new StepUpError('POPUP_BLOCKED', 'The browser blocked the sign-in popup; start the step-up from a click'));
  }
  const callbackOrigin = new URL(redirectUri).origin;
  return new Promise<URL>((resolve, reject) => {
    const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CALLBACK_CHANNEL) : undefined;
    let closedBefore = false;
    const done = () => {
      win.removeEventListener('message', onMessage);
      channel?.close();
      clearInterval(poll);
    };
    const accept = (data: unknown) => {
      if (!isCallbackMessage(data)) return;
      const callback = new URL(data.url);
      // Another sign-in's answer (another tab, another client) is not this one.
      if (callback.origin !== callbackOrigin || callback.searchParams.get('state') !== state) return;
      done();
      if (!popup.closed) popup.close();
      resolve(callback);
    };
    const onMessage = (event: MessageEventLike) => {
      if (event.origin === callbackOrigin) accept(event.data);
    };
    win.addEventListener('message', onMessage);
    if (channel !== undefined) channel.onmessage = (event) => accept(event.data);
    const poll = setInterval(() => {
      if (!popup.closed) return;
      // The last message may still be queued when the popup closes itself: give it one more period.
      if (!closedBefore) return void (closedBefore = true);
      done();
      reject(new StepUpError('STEP_UP_CANCELLED', 'The sign-in popup was closed before it finished'));
    }, options.pollMs ?? 500);
  });
}
