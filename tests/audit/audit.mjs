// Runs graphql-http's GraphQL-over-HTTP server audits against URL and prints the results as JSON:
// [{id, name, status: "ok"|"notice"|"warn"|"error", reason, httpStatus, contentType}, ...]
// (reason, httpStatus and contentType are null for passing audits).
// Usage: node audit.mjs http://127.0.0.1:8000/graphql
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs URL');
  process.exit(2);
}

const results = await auditServer({ url, fetchFn: fetch });
const report = results.map(({ id, name, status, reason, response }) => ({
  id,
  name,
  status,
  reason: reason ?? null,
  httpStatus: response?.status ?? null,
  contentType: response?.headers.get('content-type') ?? null,
}));
process.stdout.write(JSON.stringify(report, null, 2) + '\n');
