// Subscribes to the stars given to the viewer's repositories and prints what the gateway sends, one JSON line
// each, until it ends the subscription: `TOKEN=… node examples/subscribe.mjs` while `npm start` runs.
// GraphQL over WebSocket (graphql-ws), the token in connectionParams as a browser app would send it.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const client = createClient({
  url: process.env.GATEWAY_WS_URL ?? 'ws://localhost:4000/graphql',
  webSocketImpl: WebSocket,
  connectionParams: { authorization: `Bearer ${process.env.TOKEN}` },
  retryAttempts: 0,
  on: { closed: (event) => event.code !== 1000 && console.log(`closed ${event.code} ${event.reason}`) },
});
client.subscribe(
  { query: 'subscription { repositoryStarred { repository { name stars } by { login } } }' },
  {
    next: (result) => console.log(JSON.stringify(result)),
    error: (error) => (console.log(JSON.stringify(error)), client.dispose()),
    complete: () => (console.log('complete'), client.dispose()),
  },
);
