// What `mesh-compose` composes: the subgraphs in SMENET_SUBGRAPHS (JSON [[name, url, sdlFile],
// ...]), Federation v2 subgraphs whose `_service { sdl }` bench/peers.py saved in sdlFile.
// With SMENET_PREFIX=1 every subgraph's types and root fields get its name as a prefix
// (`bench_03_services`, `bench_03_Service`): the windows share one schema, so without it their
// types collide; with it one query with a field per window asks them all.
import {
  createPrefixTransform,
  defineConfig,
  loadGraphQLHTTPSubgraph,
} from '@graphql-mesh/compose-cli';

const prefix = process.env.SMENET_PREFIX === '1';
export const composeConfig = defineConfig({
  subgraphs: JSON.parse(process.env.SMENET_SUBGRAPHS).map(([name, endpoint, source]) => ({
    sourceHandler: loadGraphQLHTTPSubgraph(name, { endpoint, source, federation: true }),
    transforms: prefix
      ? [createPrefixTransform({ value: `${name}_`, includeRootOperations: true })]
      : [],
  })),
});
