// Hive Gateway (its JS runtime in one process, no workers) serving a composed supergraph.
//   node hive.mjs PORT SUPERGRAPH_FILE UPSTREAM_TIMEOUT_MS [no-dedupe]
// no-dedupe turns off what Hive does by default: one upstream request for identical in-flight
// queries, answered to all of them (the hub sends every request it gets).
import { createServer } from 'node:http';
import { createGatewayRuntime } from '@graphql-hive/gateway';

const [port, supergraph, timeout, dedupe] = process.argv.slice(2);
const gateway = createGatewayRuntime({
  supergraph,
  upstreamTimeout: Number(timeout), // per subgraph request, as the hub's node timeout
  logging: false,
  ...(dedupe === 'no-dedupe'
    ? { transportEntries: { '*.http': { options: { deduplicateInflightRequests: false } } } }
    : {}),
});
createServer(gateway).listen(Number(port), '127.0.0.1', () => console.log('ready'));
