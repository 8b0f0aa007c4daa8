// Apollo Gateway over the given subgraphs (IntrospectAndCompose), on one loopback port.
//   node apollo.mjs PORT NAME=URL...
import { ApolloGateway, IntrospectAndCompose } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

const [port, ...pairs] = process.argv.slice(2);
const subgraphs = pairs.map((pair) => {
  const at = pair.indexOf('=');
  return { name: pair.slice(0, at), url: pair.slice(at + 1) };
});
const gateway = new ApolloGateway({ supergraphSdl: new IntrospectAndCompose({ subgraphs }) });
const server = new ApolloServer({ gateway });
await startStandaloneServer(server, { listen: { host: '127.0.0.1', port: Number(port) } });
console.log('ready');
