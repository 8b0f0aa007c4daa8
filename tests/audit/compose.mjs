// Composes subgraphs into a supergraph with Apollo's composition library, as a gateway would.
// Usage: node compose.mjs NAME=FILE.graphql [...]; prints {"ok": bool, "errors": [...]}.
import { readFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";

const services = process.argv.slice(2).map((arg) => {
  const [name, file] = arg.split("=");
  return { name, url: `http://${name}.invalid/graphql`, typeDefs: parse(readFileSync(file, "utf8")) };
});
const result = composeServices(services);
const errors = (result.errors ?? []).map((e) => e.message);
process.stdout.write(JSON.stringify({ ok: errors.length === 0, errors }) + "\n");
