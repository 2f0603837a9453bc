import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SILVER, startHarness, T0, type Harness } from '../helpers/gateway.js';
import { report, SEED } from './seed.js';

let h: Harness;
let silver: string;
beforeAll(async () => {
  h = await startHarness({ file: { introspection: true } });
  silver = await h.issuer.sign({ acr: SILVER, auth_time: T0 });
});
afterAll(() => h.close());

/** Data only a HIGH token may see, and data only a MEDIUM one may. */
const HIGH_DATA = ['4242', 'Visa'];
const MEDIUM_DATA = ['alice@guthib.example', 'bob@guthib.example'];
const RUN = { seed: SEED, numRuns: 300, interruptAfterTimeLimit: 20_000 } as const;

// A grammar of GutHib documents that follows the schema, so that most of them validate and execute:
// real fields per type, unique aliases, nested objects, interfaces and fragments, @skip/@include.
const LEAVES: Record<string, string[]> = {
  User: ['id', 'login', 'name', 'email', '__typename'],
  Repository: ['id', 'name', 'description', 'stars', '__typename'],
  PaymentMethod: ['id', 'brand', 'last4', '__typename'],
  Node: ['id', '__typename'],
};
const OBJECTS: Record<string, Array<[string, string]>> = {
  User: [
    ['repositories', 'Repository'],
    ['paymentMethods', 'PaymentMethod'],
  ],
  Repository: [['owner', 'User']],
  PaymentMethod: [],
  Node: [],
};
const FRAGMENTS: Record<string, string[]> = { User: ['...UserSecrets'], PaymentMethod: ['...Card'], Repository: ['...RepoOwner'], Node: [] };
const FRAGMENT_DEFINITIONS: Array<[string, string]> = [
  ['RepoOwner', 'fragment RepoOwner on Repository { owner { ...UserSecrets } }'],
  ['UserSecrets', 'fragment UserSecrets on User { email paymentMethods { ...Card } }'],
  ['Card', 'fragment Card on PaymentMethod { brand last4 }'],
];

/** Declares only the variables and fragments a body uses: unused ones fail validation. */
function complete(kind: string, body: string): string {
  let text = body;
  const fragments = FRAGMENT_DEFINITIONS.filter(([name, definition]) => {
    if (!text.includes(`...${name}`)) return false;
    text += ` ${definition}`;
    return true;
  });
  const declared = [
    ['$id', '$id: ID = "PaymentMethod:1"'],
    ['$flag', '$flag: Boolean = false'],
  ]
    .filter(([name]) => body.includes(name!))
    .map(([, declaration]) => declaration);
  return `${kind} Op${declared.length ? `(${declared.join(', ')})` : ''} { ${body} } ${fragments.map(([, definition]) => definition).join(' ')}`;
}
let aliasCounter = 0;
const directive = fc.constantFrom('', '', '', ' @skip(if: $flag)', ' @include(if: $flag)', ' @include(if: true)', ' @skip(if: true)');
const alias = fc.boolean().map((aliased) => (aliased ? `a${(aliasCounter += 1)}: ` : ''));

function selectionsOf(type: string, depth: number): fc.Arbitrary<string> {
  const leaf = fc.tuple(alias, fc.constantFrom(...LEAVES[type]!), directive).map(([a, field, d]) => `${a}${field}${d}`);
  const options: Array<fc.Arbitrary<string>> = [leaf, leaf];
  if (depth > 0 && OBJECTS[type]!.length > 0) {
    options.push(
      fc
        .constantFrom(...OBJECTS[type]!)
        .chain(([field, child]) => fc.tuple(alias, directive, selectionsOf(child, depth - 1)).map(([a, d, inner]) => `${a}${field}${d} { ${inner} }`)),
    );
  }
  if (FRAGMENTS[type]!.length > 0) options.push(fc.constantFrom(...FRAGMENTS[type]!));
  if (type === 'Node' && depth > 0) {
    options.push(
      fc
        .constantFrom('User', 'Repository', 'PaymentMethod')
        .chain((concrete) => selectionsOf(concrete, depth - 1).map((inner) => `... on ${concrete} { ${inner} }`)),
    );
  }
  return fc.array(fc.oneof(...options), { minLength: 1, maxLength: 4 }).map((parts) => parts.join(' '));
}

const ROOTS: Array<[string, string]> = [
  ['viewer', 'User'],
  ['repositories', 'Repository'],
  ['repository(owner: "alice", name: "gut")', 'Repository'],
  ['node(id: $id)', 'Node'],
  ['node(id: "PaymentMethod:1")', 'Node'],
  ['node(id: "User:alice")', 'Node'],
];
const MUTATIONS: Array<[string, string]> = [
  ['starRepository(id: "Repository:2")', 'Repository'],
  ['transferRepositoryOwnership(repositoryId: "Repository:1", newOwner: "bob")', 'Repository'],
  ['updateEmail(email: "mallory@evil.example")', 'User'],
];
const operation = (kind: 'query' | 'mutation') =>
  fc
    .array(
      fc.constantFrom(...(kind === 'query' ? ROOTS : MUTATIONS)).chain(([root, type]) => selectionsOf(type, 3).map((inner) => `${root} { ${inner} }`)),
      { minLength: 1, maxLength: 3 },
    )
    .map((roots) => complete(kind, roots.map((root, i) => `r${i}: ${root}`).join(' ')));
const document = fc.oneof(operation('query'), operation('query'), operation('mutation'));
const variables = fc.oneof(
  fc.record({ id: fc.constantFrom('PaymentMethod:1', 'User:alice', 'User:bob', 'Repository:3'), flag: fc.boolean() }),
  fc.option(fc.dictionary(fc.constantFrom('id', 'flag', 'other'), fc.jsonValue({ maxDepth: 2 })), { nil: undefined }),
);
const anyDocument = fc.oneof(
  document,
  fc.string(),
  fc.string({ unit: 'binary' }).map((text) => `{ ${text} }`),
);

interface Outcome {
  status: number;
  text: string;
  /** The `data` member only: error messages may echo what the caller sent. */
  data: string;
}
async function send(body: unknown, token?: string): Promise<Outcome> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  const response = await fetch(h.gateway.url, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await response.text();
  let data = '';
  try {
    data = JSON.stringify((JSON.parse(text) as { data?: unknown }).data ?? null);
  } catch {
    // wellFormed() reports a body that is not JSON.
  }
  return { status: response.status, text, data };
}

/** Never a 5xx; always JSON; every error carries a string code. */
function wellFormed({ status, text }: Outcome): boolean {
  if (status >= 500) return false;
  const body = JSON.parse(text) as { errors?: Array<{ extensions?: { code?: unknown } }> };
  return (body.errors ?? []).every((error) => typeof error.extensions?.code === 'string');
}

describe('the HTTP endpoint under hostile documents', () => {
  it('never answers 5xx or leaks protected data to an anonymous caller', async () => {
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(anyDocument, variables, async (query, vars) => {
        tried += 1;
        const outcome = await send({ query, variables: vars });
        return wellFormed(outcome) && ![...HIGH_DATA, ...MEDIUM_DATA].some((secret) => outcome.data.includes(secret));
      }),
      RUN,
    );
    report('anonymous documents', tried);
  });

  it('never answers 5xx or shows HIGH data to a silver token, and never lets it transfer', async () => {
    let tried = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(document, variables, async (query, vars) => {
        tried += 1;
        const outcome = await send({ query, variables: vars }, silver);
        statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
        return wellFormed(outcome) && !HIGH_DATA.some((secret) => outcome.data.includes(secret));
      }),
      RUN,
    );
    const [gut] = await h.source.repositoriesByKey(['1']);
    const [alice] = await h.source.usersByLogin(['alice']);
    expect([gut?.ownerLogin, alice?.email]).toEqual(['alice', 'alice@guthib.example']);
    report(`silver documents (HTTP status: count ${JSON.stringify(Object.fromEntries(statuses))})`, tried);
  });

  it('reaches the HIGH data with a fresh gold token: the properties above are not vacuous', async () => {
    const gold = await h.issuer.sign({ acr: 'urn:mace:incommon:iap:gold', auth_time: T0 });
    const samples = fc.sample(operation('query'), { seed: SEED, numRuns: 200 });
    let reached = 0;
    for (const query of samples) {
      const outcome = await send({ query, variables: { id: 'PaymentMethod:1', flag: true } }, gold);
      if (HIGH_DATA.some((secret) => outcome.data.includes(secret))) reached += 1;
    }
    report(`control: gold token saw HIGH data in ${reached} documents`, samples.length);
    expect(reached).toBeGreaterThan(0);
  });

  it('answers bodies of the wrong shape with a 4xx and a code', async () => {
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (body) => {
        tried += 1;
        const outcome = await send(body);
        return wellFormed(outcome);
      }),
      RUN,
    );
    report('request bodies', tried);
  });
});
