import type { LevelDefinition } from '../stepup/ladder.js';

/** What the server tells the page, as JSON in the page (`#demo-config`): nothing secret. */
export interface DemoConfig {
  /** The provider's issuer: the gateway's origin in dev mode. */
  readonly issuer: string;
  /** The gateway's GraphQL endpoint, on another origin than the page. */
  readonly graphql: string;
  /** The public client the page signs in as (`guthib-web`). */
  readonly clientId: string;
  /** The gateway's ladder, so that the banner decays the session as the gateway does. */
  readonly ladder: readonly LevelDefinition[];
}

const STYLE = `body{font:15px system-ui,sans-serif;max-width:46rem;margin:0 auto;padding:0 1rem 2rem;color:#1f2328}
header{display:flex;justify-content:space-between;align-items:center;border-bottom:1px solid #d0d7de;padding:.8rem 0;margin-bottom:1rem}
header h1{font-size:1.3rem;margin:0}button{padding:.35rem .8rem;margin-left:.3rem}a{color:#0969da}
.banner{padding:.6rem .8rem;border-radius:6px;margin:0 0 1rem}.banner small{display:block;color:#57606a;margin-top:.2rem}
.banner.decayed{background:#fff8c5;border:1px solid #d4a72c}.banner.fresh{background:#dafbe1;border:1px solid #4ac26b}
ul{list-style:none;padding:0}.repo{padding:.5rem 0;border-bottom:1px solid #eaeef2}.repo .settings{float:right}
.description{color:#57606a}.hint{color:#57606a;margin-top:-.5rem}.danger{border:1px solid #cf222e;border-radius:6px;padding:0 1rem 1rem}
.danger h3{color:#cf222e}#notice{color:#57606a;min-height:1.2em}
.dialog{position:fixed;inset:0;background:rgba(0,0,0,.35);display:flex;align-items:center;justify-content:center}.dialog[hidden]{display:none}
.star{font-size:.8rem;padding:.1rem .5rem}#stars-status[data-state=paused]{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:.4rem .6rem}
#stars li{padding:.25rem 0}.dialog div{background:#fff;border-radius:8px;padding:1rem 1.2rem;max-width:26rem;box-shadow:0 8px 24px rgba(0,0,0,.2)}`;

/** The app's page: a shell the bundle fills in. */
export function indexHtml(config: DemoConfig): string {
  // In a JSON script block, `<` is escaped so that no value can close the element.
  const json = JSON.stringify(config).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>GutHib · step-up demo</title><style>${STYLE}</style></head>
<body><header><h1>GutHib</h1><span id="who"></span></header>
<p id="banner" class="banner" role="status" hidden></p>
<p id="notice" role="status"></p>
<main id="view"><p id="app-missing">Loading…</p></main>
<div id="confirm" class="dialog" role="dialog" aria-modal="true" aria-labelledby="confirm-title" hidden><div>
<h2 id="confirm-title">Confirm it's you</h2><p id="confirm-why"></p>
<button id="confirm-go" type="button">Confirm it's you</button><button id="confirm-cancel" type="button">Not now</button>
</div></div>
<script type="application/json" id="demo-config">${json}</script>
<script type="module" src="/app.js"></script>
</body></html>`;
}

/** The popup's redirect URI: its script posts the answer to the app and closes the popup. */
export const CALLBACK_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Signing in…</title></head>
<body><p>Signing in…</p><script type="module" src="/callback.js"></script></body></html>`;
