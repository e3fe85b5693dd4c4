// The TypeScript compiler's view of a code base's exports: the oracle for ts_oracle.py.
//
// usage: node extract.js TYPESCRIPT_DIR ROOT
// prints JSON {files, ms, modules: {relpath: {exportName: {fn, ctor, methods}}}} where
// fn/ctor are lists of signatures (each a list of [paramName, optional]) or null, and
// methods maps a public method name to its signatures. `ms` is the time spent in this
// script from before createProgram to the end of extraction (Node start-up excluded).
//
// Rules shared with the tool (so the comparison measures the same thing):
// - a destructured parameter is named by its pattern text with whitespace collapsed;
// - `this` parameters are left out; a rest parameter counts as optional;
// - parameters are compared only for exports declared as functions (declarations, or
//   variables initialised with a function/arrow), classes (own constructor, public
//   methods, static too) and interfaces (method signatures);
// - a class without its own constructor has no constructor signatures (not the base's).
'use strict';
const path = require('path');
const fs = require('fs');

const ts = require(path.resolve(process.argv[2]));
const root = path.resolve(process.argv[3]);

function walk(dir, out) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (/\.(ts|tsx|mts|cts)$/.test(e.name)) out.push(p);
  }
  return out;
}

const rel = (f) => path.relative(root, f).split(path.sep).join('/');
const collapse = (s) => s.replace(/\s+/g, ' ').trim();

const t0 = process.hrtime.bigint();
const files = walk(root, []).sort();
const program = ts.createProgram(files, {
  noEmit: true,
  jsx: ts.JsxEmit.Preserve,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  skipLibCheck: true,
  types: [],
});
const checker = program.getTypeChecker();

function paramsOf(decl) {
  return decl.parameters
    .filter((p) => !(ts.isIdentifier(p.name) && p.name.text === 'this'))
    .map((p) => [collapse(p.name.getText()), checker.isOptionalParameter(p) || !!p.dotDotDotToken]);
}

function signatures(sigs) {
  return sigs.filter((s) => s.declaration).map((s) => paramsOf(s.declaration));
}

function isHidden(decl) {
  if (decl.name && ts.isPrivateIdentifier(decl.name)) return true;
  const flags = ts.getCombinedModifierFlags(decl);
  return (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) !== 0;
}

function methodsOf(table, out) {
  if (!table) return;
  table.forEach((m) => {
    if (!(m.flags & ts.SymbolFlags.Method)) return;
    const decls = m.declarations || [];
    if (decls.length === 0 || decls.some(isHidden)) return;
    const name = ts.unescapeLeadingUnderscores(m.escapedName);
    // An optional method (`onClick?(e): void`) has type `F | undefined` under strict.
    const type = checker.getNonNullableType(checker.getTypeOfSymbolAtLocation(m, decls[0]));
    out[name] = signatures(type.getCallSignatures());
  });
}

function describe(sym) {
  let t = sym;
  if (t.flags & ts.SymbolFlags.Alias) {
    try {
      t = checker.getAliasedSymbol(t);
    } catch (e) {
      return { fn: null, ctor: null, methods: {} };
    }
  }
  const decls = t.declarations || [];
  const entry = { fn: null, ctor: null, methods: {} };
  const fnDecl = decls.find(
    (d) =>
      ts.isFunctionDeclaration(d) ||
      (ts.isVariableDeclaration(d) &&
        d.initializer &&
        !d.type &&
        (ts.isArrowFunction(d.initializer) || ts.isFunctionExpression(d.initializer))) ||
      (ts.isExportAssignment(d) &&
        (ts.isArrowFunction(d.expression) || ts.isFunctionExpression(d.expression)))
  );
  if (fnDecl) {
    const type = checker.getTypeOfSymbolAtLocation(t, fnDecl);
    entry.fn = signatures(type.getCallSignatures());
  }
  const classDecl = decls.find((d) => ts.isClassDeclaration(d) || ts.isClassExpression(d));
  if (classDecl) {
    const type = checker.getTypeOfSymbolAtLocation(t, classDecl);
    const own = type.getConstructSignatures().filter(
      (s) => s.declaration && s.declaration.parent === classDecl
    );
    entry.ctor = own.map((s) => paramsOf(s.declaration));
    methodsOf(t.members, entry.methods);
    methodsOf(t.exports, entry.methods); // static methods
  } else if (t.flags & ts.SymbolFlags.Interface) {
    methodsOf(t.members, entry.methods);
  }
  return entry;
}

const modules = {};
for (const f of files) {
  const sf = program.getSourceFile(f);
  if (!sf) continue;
  const msym = checker.getSymbolAtLocation(sf);
  const exports = {};
  if (msym) {
    for (const s of checker.getExportsOfModule(msym)) exports[s.name] = describe(s);
  }
  modules[rel(f)] = exports;
}
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
process.stdout.write(JSON.stringify({ files: files.length, ms, modules }));
