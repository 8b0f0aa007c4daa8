// Hive Gateway (its JS runtime in one process, no workers) serving a composed supergraph.
//   node hive.mjs PORT SUPERGRAPH_FILE UPSTREAM_TIMEOUT_MS
import { createServer } from 'node:http';
import { createGatewayRuntime } from '@graphql-hive/gateway';

const [port, supergraph, timeout] = process.argv.slice(2);
const gateway = createGatewayRuntime({
  supergraph,
  upstreamTimeout: Number(timeout), // per subgraph request, as the hub's node timeout
  logging: false,
});
createServer(gateway).listen(Number(port), '127.0.0.1', () => console.log('ready'));
