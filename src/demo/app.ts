/**
 * The GutHib demo web app, bundled for the browser and served from its own origin in dev mode: it calls the
 * gateway's `/graphql` cross-origin (CORS) and signs in at the gateway's provider, through
 * `step-up-gateway/client`: `createStepUpFetch` answers each challenge with one step-up and one replay,
 * `createOidcStepUp` runs that step-up in a popup opened from a "Confirm it's you" button, and
 * `createStepUpSubscriptions`, behind Apollo Client's `GraphQLWsLink`, keeps the stars feed going across one.
 * Tokens live in this page's memory only: a reload signs out of the app (the provider's session stays).
 */
import { ApolloClient, gql, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { createOidcStepUp, createStepUpFetch, createStepUpSubscriptions, StepUpError, type StepUpRequest, type StepUpTokens } from '../client/index.js';
import { createLadder } from '../stepup/ladder.js';
import { duration, sessionBanner } from './banner.js';
import { byId, demoWindow, h, type DemoElement } from './dom.js';
import type { DemoConfig } from './page.js';

const win = demoWindow();
const config = JSON.parse(byId('demo-config').textContent ?? '{}') as DemoConfig;
const ladder = createLadder(config.ladder);
/** The strongest level's acr: what the app's own "Sign in" asks for (password and a one-time code). */
const strongest = ladder.levels[ladder.levels.length - 1]!;
const now = () => Math.floor(Date.now() / 1000);

let tokens: StepUpTokens | undefined;
/** What the user is doing, for the confirmation dialog: "to see your email". */
let doing = '';

const oidc = createOidcStepUp({
  issuer: config.issuer,
  clientId: config.clientId,
  redirectUri: `${win.location.origin}/callback.html`,
  mode: 'popup',
  allowInsecureRequests: config.issuer.startsWith('http:'), // the dev provider on localhost
  onTokens: (fresh) => {
    tokens = fresh;
    renderSession();
  },
  beforePopup: confirmItsYou,
});

const stepUpFetch = createStepUpFetch({
  accessToken: () => tokens?.accessToken,
  stepUp: oidc.stepUp,
  onChallenge: (challenge) => say(`Still refused after confirming: ${challenge.message ?? challenge.kind}`),
});

async function graphql<T>(
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ data?: T; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }> {
  const response = await stepUpFetch(config.graphql, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: T };
}

// --- the confirmation dialog: popups open only from a click ------------------------------------------

function confirmItsYou(request: StepUpRequest): Promise<void> {
  // The app's own "Sign in" button is the click.
  if (request.kind === 'sign-in' && request.operations.length === 0) return Promise.resolve();
  const needsCode = request.acrValues !== undefined && request.acrValues.every((acr) => strongest.acrs.includes(acr));
  const what = needsCode ? 'your password and a one-time code' : 'your password';
  const approving = request.authorizationDetails !== undefined && request.authorizationDetails.length > 0;
  byId('confirm-why').textContent =
    request.kind === 'sign-in'
      ? `Sign in ${doing}.`
      : approving
        ? // The provider shows the transaction itself: what the user approves is what the gateway checks.
          `${doing.charAt(0).toUpperCase()}${doing.slice(1)}, approve exactly this at the provider: it shows you the transfer; enter ${what}.`
        : request.forceLogin
          ? `Each transfer needs its own confirmation: the last one was used by the previous transfer. Sign in again with ${what} ${doing}.`
          : `Confirm it's you ${doing}: enter ${what}${request.maxAge === undefined ? '' : ` (a sign-in at most ${duration(request.maxAge)} old)`}.`;
  const dialog = byId('confirm');
  dialog.dataset['force'] = String(request.forceLogin);
  dialog.hidden = false;
  byId('confirm-go').focus();
  return new Promise((resolve, reject) => {
    const close = () => void (dialog.hidden = true);
    onceClick('confirm-go', () => (close(), resolve()));
    onceClick('confirm-cancel', () => (close(), reject(new StepUpError('STEP_UP_CANCELLED', 'You chose not to confirm'))));
  });
}

/** One pending click handler per button: a dialog answered once, then replaced by the next one's. */
const clickHandlers = new Map<string, () => void>();
function onceClick(id: string, handler: () => void): void {
  if (!clickHandlers.has(id))
    byId(id).addEventListener('click', () => {
      const pending = clickHandlers.get(id);
      clickHandlers.clear();
      pending?.();
    });
  clickHandlers.set(id, handler);
}

// --- session: who, banner, sign in and out ----------------------------------------------------------

function renderSession(): void {
  const who = byId('who');
  const banner = byId('banner');
  if (tokens === undefined) {
    who.replaceChildren('Not signed in ', h('button', { id: 'signin', type: 'button' }, 'Sign in'));
    byId('signin').addEventListener('click', () => void signIn());
    banner.hidden = true;
    return;
  }
  who.replaceChildren('Signed in as ', h('b', {}, String(tokens.idTokenClaims.sub)), ' ', h('button', { id: 'signout', type: 'button' }, 'Sign out'));
  byId('signout').addEventListener('click', () => void signOut());
  renderBanner();
}

function renderBanner(): void {
  if (tokens === undefined) return;
  const banner = byId('banner');
  const state = sessionBanner(ladder, tokens.idTokenClaims, now());
  banner.hidden = false;
  banner.className = `banner ${state.kind}`;
  banner.dataset['level'] = state.level ?? 'none';
  banner.replaceChildren(state.text, h('small', {}, ` acr ${String(tokens.idTokenClaims['acr'])} · level now ${state.level ?? 'none'}`));
}

async function signIn(): Promise<void> {
  try {
    doing = '';
    await oidc.signIn({ acrValues: strongest.acrs });
    say('');
    await render();
  } catch (error) {
    say(`Not signed in: ${(error as Error).message}`);
  }
}

async function signOut(): Promise<void> {
  // OIDC RP-Initiated Logout 1.0: the provider ends its session and comes back here.
  const discovery = (await (await fetch(`${config.issuer}/.well-known/openid-configuration`)).json()) as { end_session_endpoint: string };
  const url = new URL(discovery.end_session_endpoint);
  url.search = new URLSearchParams({ client_id: config.clientId, post_logout_redirect_uri: `${win.location.origin}/`, state: 'signed-out' }).toString();
  win.location.assign(url.href);
}

// --- pages -----------------------------------------------------------------------------------------

interface Repository {
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  readonly stars: number;
  readonly owner: { readonly login: string };
}

const REPOSITORIES = '{ repositories { id name description stars owner { login } } }';
const REPOSITORY = 'query Repository($owner: String!, $name: String!) { repository(owner: $owner, name: $name) { id name owner { login } } }';
const EMAIL = '{ viewer { login email } }';
const STAR = 'mutation Star($id: ID!) { starRepository(id: $id) { id stars } }';
const TRANSFER = 'mutation Transfer($id: ID!, $to: String!) { transferRepositoryOwnership(repositoryId: $id, newOwner: $to) { name owner { login } } }';

async function render(): Promise<void> {
  const settings = /^#\/([\w-]+)\/([\w.-]+)\/settings$/.exec(win.location.hash);
  const view = byId('view');
  view.replaceChildren(h('p', {}, 'Loading…'));
  view.replaceChildren(...(settings === null ? await home() : await settingsPage(settings[1]!, settings[2]!)));
}

async function home(): Promise<DemoElement[]> {
  const { data } = await graphql<{ repositories: Repository[] }>(REPOSITORIES);
  const viewer = tokens?.idTokenClaims.sub;
  const rows = (data?.repositories ?? []).map((repository) =>
    h(
      'li',
      { class: 'repo', 'data-name': repository.name, 'data-owner': repository.owner.login },
      h('b', {}, `${repository.owner.login}/${repository.name}`),
      ' ★ ',
      h('span', { class: 'stars' }, String(repository.stars)),
      ' ',
      h('span', { class: 'description' }, repository.description ?? ''),
      viewer !== undefined && starButton(repository),
      repository.owner.login === viewer && h('a', { href: `#/${repository.owner.login}/${repository.name}/settings`, class: 'settings' }, 'Settings'),
    ),
  );
  const email = h('button', { id: 'show-email', type: 'button' }, 'Show my email');
  email.addEventListener('click', () => void showEmail());
  return [
    h('h2', {}, 'Repositories'),
    h('p', { class: 'hint' }, 'Public: anyone may browse them.'),
    h('ul', { id: 'repositories' }, ...rows),
    h('h2', {}, 'Your account'),
    h('p', {}, email, ' ', h('span', { id: 'email' })),
    starsPanel,
  ];
}

function starButton(repository: Repository): DemoElement {
  const button = h('button', { type: 'button', class: 'star', title: `Star ${repository.owner.login}/${repository.name}` }, '☆ Star');
  button.addEventListener('click', () => {
    doing = `to star ${repository.owner.login}/${repository.name}`;
    void graphql(STAR, { id: repository.id });
  });
  return button;
}

async function showEmail(): Promise<void> {
  doing = 'to see your email';
  try {
    const { data, errors } = await graphql<{ viewer: { login: string; email: string | null } | null }>(EMAIL);
    byId('email').textContent = data?.viewer?.email ?? `not shown (${errors?.[0]?.message ?? 'no answer'})`;
  } catch (error) {
    byId('email').textContent = `not shown: ${(error as Error).message}`;
  }
}

async function settingsPage(owner: string, name: string): Promise<DemoElement[]> {
  const back = h('a', { href: '#/' }, '← Repositories');
  const { data } = await graphql<{ repository: { id: string; name: string; owner: { login: string } } | null }>(REPOSITORY, { owner, name });
  const repository = data?.repository;
  if (repository == null) return [back, h('p', {}, `There is no repository ${owner}/${name}.`)];
  const heading = h('h2', {}, `${owner}/${name} · Settings`);
  if (repository.owner.login !== tokens?.idTokenClaims.sub)
    return [back, heading, h('p', { id: 'result' }, `Only its owner can change it: ${name} belongs to ${repository.owner.login}.`)];
  const to = h('input', { id: 'new-owner', name: 'new-owner', value: 'bob', required: '' });
  const form = h('form', { id: 'transfer-form' }, h('label', {}, 'New owner ', to), ' ', h('button', { id: 'transfer', type: 'submit' }, 'Transfer ownership'));
  const result = h('p', { id: 'result', role: 'status' });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void transfer(repository.id, `${owner}/${name}`, to.value, result);
  });
  return [
    back,
    heading,
    h(
      'section',
      { class: 'danger' },
      h('h3', {}, 'Danger zone'),
      h('p', {}, 'Transfer this repository to another user. Each transfer asks you to confirm it is you.'),
      form,
      result,
    ),
  ];
}

async function transfer(id: string, fullName: string, to: string, result: DemoElement): Promise<void> {
  doing = `to transfer ${fullName} to ${to}`;
  result.textContent = 'Transferring…';
  try {
    const { data, errors } = await graphql<{ transferRepositoryOwnership: { name: string; owner: { login: string } } }>(TRANSFER, { id, to });
    const done = data?.transferRepositoryOwnership;
    result.textContent = done ? `Done: ${fullName} now belongs to ${done.owner.login}.` : `Not transferred: ${errors?.[0]?.message ?? 'no answer'}`;
  } catch (error) {
    const why = error instanceof StepUpError ? `${error.code}: ${error.message}` : (error as Error).message;
    result.textContent = `Not transferred: you did not confirm it's you (${why}).`;
  }
}

// --- stars on your repositories: a subscription that stops when the level decays, and goes on after a step-up ---

interface StarEvent {
  readonly repositoryStarred: {
    readonly repository: { readonly name: string; readonly stars: number; readonly owner: { readonly login: string } };
    readonly by: { readonly login: string };
  };
}
const STARRED = gql`
  subscription Starred {
    repositoryStarred {
      repository {
        id
        name
        stars
        owner {
          login
        }
      }
      by {
        login
      }
    }
  }
`;

const feed = createStepUpSubscriptions({
  url: config.graphql.replace(/^http/, 'ws'),
  accessToken: () => tokens?.accessToken,
  // The gateway ended the feed (the level decayed) or refused it (too weak): the panel says so, and the
  // same "Confirm it's you" as for a query asks for the step-up; the client then subscribes once more.
  stepUp: async (request) => {
    const need = request.requiredAcr === undefined ? 'a sign-in' : `a sign-in at level ${request.requiredAcr}`;
    const age = request.maxAge === undefined ? '' : ` at most ${duration(request.maxAge)} old`;
    feedStatus('paused', `Paused: the stars need ${need}${age}. Confirm it's you to go on.`);
    doing = 'to keep watching the stars on your repositories';
    await oidc.stepUp(request);
    feedStatus('watching', 'Watching: stars given to your repositories appear here.');
  },
});
const apollo = new ApolloClient({ cache: new InMemoryCache(), link: new GraphQLWsLink(feed.client) });

const starsList = h('ul', { id: 'stars' });
const starsStatus = h('p', { id: 'stars-status', role: 'status', 'data-state': 'off' }, 'Not watching.');
const watchButton = h('button', { id: 'watch-stars', type: 'button' }, 'Watch stars');
const starsPanel = h(
  'section',
  { id: 'stars-panel' },
  h('h2', {}, 'Stars on your repositories'),
  h('p', { class: 'hint' }, 'Live, over a WebSocket: it needs MEDIUM, and stops when your sign-in gets too old for it.'),
  h('p', {}, watchButton),
  starsStatus,
  starsList,
);
let watching: { unsubscribe(): void } | undefined;

function feedStatus(state: 'off' | 'watching' | 'paused' | 'stopped', text: string): void {
  starsStatus.dataset['state'] = state;
  starsStatus.textContent = text;
  watchButton.textContent = state === 'off' || state === 'stopped' ? 'Watch stars' : 'Stop';
}

watchButton.addEventListener('click', () => {
  if (watching !== undefined) {
    watching.unsubscribe();
    watching = undefined;
    return feedStatus('off', 'Not watching.');
  }
  feedStatus('watching', 'Watching: stars given to your repositories appear here.');
  watching = apollo.subscribe<StarEvent>({ query: STARRED, errorPolicy: 'all' }).subscribe({
    next({ data, error }) {
      const event = data?.repositoryStarred;
      if (event == null) return void (error !== undefined && feedStatus('stopped', `Stopped: ${error.message}`));
      const { repository, by } = event;
      starsList.append(
        h('li', { class: 'star-event', 'data-by': by.login }, `${by.login} starred ${repository.owner.login}/${repository.name} · ★ ${repository.stars}`),
      );
      // The list above shows the new count too.
      const row = `li.repo[data-owner="${repository.owner.login}"][data-name="${repository.name}"] .stars`;
      for (const stars of win.document.querySelectorAll(row)) stars.textContent = String(repository.stars);
    },
    error(error: Error) {
      watching = undefined;
      feedStatus('stopped', `Stopped: ${error.message}`);
    },
    complete() {
      watching = undefined;
      if (starsStatus.dataset['state'] !== 'stopped') feedStatus('stopped', 'Stopped.');
    },
  });
});

function say(message: string): void {
  byId('notice').textContent = message;
}

// --- start -----------------------------------------------------------------------------------------

if (new URLSearchParams(win.location.search).get('state') === 'signed-out') {
  win.history.replaceState(null, '', '/');
  say('You are signed out.');
}
win.addEventListener('hashchange', () => void render());
win.setInterval(renderBanner, 1_000); // the banner follows the decay as time passes
renderSession();
void render();
