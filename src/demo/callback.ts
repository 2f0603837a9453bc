/** The popup's callback page (`/callback.html`): hands the authorization response to the page that opened it. */
import { handlePopupCallback } from '../client/browser.js';

handlePopupCallback();
