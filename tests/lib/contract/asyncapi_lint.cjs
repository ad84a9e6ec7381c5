// asyncapi_lint.cjs - validate docs/asyncapi.yaml with the AsyncAPI parser (make lint).
//
// The parser checks the document against the AsyncAPI 3.0 specification, resolves
// every $ref and validates each payload schema; its errors and warnings fail the
// run, its hints (e.g. that a later AsyncAPI version exists) are printed only.
// Run with NODE_PATH at the node_modules that `npm ci` made from package-lock.json.
'use strict';
const fs = require('fs');
const { Parser } = require('@asyncapi/parser');

const SEVERITY = ['error', 'warning', 'info', 'hint'];
const FAILS = 1;                          // error (0) and warning (1) fail

(async () => {
  const path = process.argv[2];
  const { document, diagnostics } = await new Parser().parse(fs.readFileSync(path, 'utf8'));
  let failed = !document;
  for (const d of diagnostics) {
    console.error(`${path}: ${SEVERITY[d.severity]}: ${d.message} (${d.code} at ${d.path.join('.') || '/'})`);
    failed = failed || d.severity <= FAILS;
  }
  if (failed) {
    console.error(`${path}: not a valid AsyncAPI document`);
    process.exit(1);
  }
  console.log(`${path}: a valid AsyncAPI ${document.version()} document, ${document.channels().length} channels`);
})().catch((e) => {
  console.error(`${process.argv[2]}: ${e.message}`);
  process.exit(1);
});
