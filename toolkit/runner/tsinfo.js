#!/usr/bin/env node
// The TypeScript side of `cedar-gates sync`: parse files with the TypeScript
// compiler (syntax only, no type checking) and describe their exports in a
// canonical form Python can compare.
//
// One request on stdin, one JSON answer on stdout:
//   {"files": ["/abs/a.ts", ...]}
//   -> {"typescript": "5.9.3", "files": {"/abs/a.ts": {"errors": [...], "exports": {...}}}}
//
// Canonical types: unions and intersections are flattened and their members
// sorted, so member order never matters; Array<T> is T[]; parentheses vanish.
// Interfaces are flattened over `extends` chains declared in the same file.
// `export {X} from './local'` is resolved by reading the local file.
"use strict";

const fs = require("fs");
const path = require("path");
const ts = require("typescript");

const SK = ts.SyntaxKind;
const KEYWORDS = new Map([
  [SK.StringKeyword, "string"], [SK.NumberKeyword, "number"], [SK.BooleanKeyword, "boolean"],
  [SK.AnyKeyword, "any"], [SK.UnknownKeyword, "unknown"], [SK.NeverKeyword, "never"],
  [SK.VoidKeyword, "void"], [SK.UndefinedKeyword, "undefined"], [SK.NullKeyword, "null"],
  [SK.ObjectKeyword, "object"], [SK.BigIntKeyword, "bigint"], [SK.SymbolKeyword, "symbol"],
]);

function key(value) {
  return JSON.stringify(value);
}

function setOf(kind, nodes) {
  const seen = new Map();
  for (const node of nodes) {
    const c = canon(node);
    const parts = c[kind] ? c[kind] : [c];
    for (const part of parts) seen.set(key(part), part);
  }
  return { [kind]: [...seen.keys()].sort().map((k) => seen.get(k)) };
}

function literal(node) {
  switch (node.kind) {
    case SK.StringLiteral:
    case SK.NoSubstitutionTemplateLiteral:
      return JSON.stringify(node.text);
    case SK.NumericLiteral:
      return String(Number(node.text));
    case SK.TrueKeyword:
      return "true";
    case SK.FalseKeyword:
      return "false";
    case SK.NullKeyword:
      return "null";
    case SK.PrefixUnaryExpression:
      if (node.operator === SK.MinusToken && node.operand.kind === SK.NumericLiteral) {
        return String(-Number(node.operand.text));
      }
  }
  return node.getText().replace(/\s+/g, " ");
}

function propName(name) {
  if (ts.isIdentifier(name) || ts.isPrivateIdentifier(name)) return name.text;
  if (ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  return name.getText();
}

function hasModifier(node, kind) {
  return (ts.getModifiers ? ts.getModifiers(node) || [] : node.modifiers || []).some((m) => m.kind === kind);
}

function members(list) {
  const out = {};
  for (const m of list) {
    const sf = m.getSourceFile();
    const at = sf.getLineAndCharacterOfPosition(m.getStart(sf));
    if (ts.isPropertySignature(m)) {
      out[propName(m.name)] = { optional: !!m.questionToken, readonly: hasModifier(m, SK.ReadonlyKeyword), type: canon(m.type),
        line: at.line + 1, column: at.character + 1 };
    } else if (ts.isMethodSignature(m)) {
      out[propName(m.name)] = { optional: !!m.questionToken, readonly: false, type: fn(m), line: at.line + 1, column: at.character + 1 };
    } else if (ts.isIndexSignatureDeclaration(m)) {
      const p = m.parameters[0];
      out[`[${p.name.getText()}: ${p.type ? p.type.getText() : "any"}]`] = {
        optional: false, readonly: hasModifier(m, SK.ReadonlyKeyword), type: canon(m.type),
      };
    } else {
      out[m.getText().replace(/\s+/g, " ")] = { optional: false, readonly: false, type: { text: m.getText() } };
    }
  }
  return out;
}

function fn(node) {
  return {
    fn: {
      params: node.parameters.map((p) => ({ name: p.name.getText(), optional: !!p.questionToken, type: canon(p.type) })),
      returns: canon(node.type),
    },
  };
}

function canon(node) {
  if (!node) return { kw: "any" };
  if (KEYWORDS.has(node.kind)) return { kw: KEYWORDS.get(node.kind) };
  switch (node.kind) {
    case SK.UnionType:
      return setOf("union", node.types);
    case SK.IntersectionType:
      return setOf("intersection", node.types);
    case SK.ParenthesizedType:
      return canon(node.type);
    case SK.TypeLiteral:
      return { object: members(node.members) };
    case SK.ArrayType:
      return { array: canon(node.elementType) };
    case SK.TypeReference: {
      const name = node.typeName.getText();
      const args = (node.typeArguments || []).map(canon);
      if ((name === "Array") && args.length === 1) return { array: args[0] };
      return args.length ? { ref: name, args } : { ref: name };
    }
    case SK.LiteralType:
      return { literal: literal(node.literal) };
    case SK.TupleType:
      return { tuple: node.elements.map(canon) };
    case SK.FunctionType:
      return fn(node);
    case SK.TypeOperator:
      return { op: ts.tokenToString(node.operator), type: canon(node.type) };
    case SK.IndexedAccessType:
      return { index: [canon(node.objectType), canon(node.indexType)] };
    case SK.TypeQuery:
      return { typeof: node.exprName.getText() };
    case SK.TemplateLiteralType:
      return { template: node.getText() };
  }
  return { text: node.getText().replace(/\s+/g, " ") };
}

function position(sf, node) {
  const { line, character } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
  return { file: sf.fileName, line: line + 1, column: character + 1 };
}

function resolveModule(fromFile, spec) {
  if (!spec.startsWith(".")) return null;
  const base = path.resolve(path.dirname(fromFile), spec);
  const candidates = [base, `${base}.ts`, `${base}.tsx`, `${base}.d.ts`, `${base}.mts`,
    path.join(base, "index.ts"), path.join(base, "index.tsx")];
  if (/\.js$/.test(base)) candidates.push(base.replace(/\.js$/, ".ts"), base.replace(/\.js$/, ".tsx"));
  return candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile()) || null;
}

// Values of consts: literals, `as const` / `satisfies`, and property chains into an imported JSON file.
function constValue(expr, jsonImports) {
  while (ts.isAsExpression(expr) || (ts.isSatisfiesExpression && ts.isSatisfiesExpression(expr)) ||
         ts.isParenthesizedExpression(expr)) {
    expr = expr.expression;
  }
  switch (expr.kind) {
    case SK.NumericLiteral:
      return { literal: true, value: Number(expr.text) };
    case SK.StringLiteral:
    case SK.NoSubstitutionTemplateLiteral:
      return { literal: true, value: expr.text };
    case SK.TrueKeyword:
      return { literal: true, value: true };
    case SK.FalseKeyword:
      return { literal: true, value: false };
    case SK.NullKeyword:
      return { literal: true, value: null };
    case SK.PrefixUnaryExpression:
      if (expr.operator === SK.MinusToken && expr.operand.kind === SK.NumericLiteral) {
        return { literal: true, value: -Number(expr.operand.text) };
      }
      break;
    case SK.ArrayLiteralExpression: {
      const items = expr.elements.map((e) => constValue(e, jsonImports));
      if (items.every((i) => i.literal)) return { literal: true, value: items.map((i) => i.value) };
      if (items.every((i) => i.resolved)) return { literal: false, resolved: true, value: items.map((i) => i.value) };
      break;
    }
    case SK.ObjectLiteralExpression: {
      const out = {};
      let allLiteral = true;
      for (const p of expr.properties) {
        if (!ts.isPropertyAssignment(p)) return { literal: false, resolved: false };
        const v = constValue(p.initializer, jsonImports);
        if (!v.literal && !v.resolved) return { literal: false, resolved: false };
        allLiteral = allLiteral && v.literal;
        out[propName(p.name)] = v.value;
      }
      return allLiteral ? { literal: true, value: out } : { literal: false, resolved: true, value: out };
    }
    case SK.PropertyAccessExpression:
    case SK.ElementAccessExpression: {
      const chain = [];
      let e = expr;
      while (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) {
        if (ts.isPropertyAccessExpression(e)) chain.unshift(e.name.text);
        else if (ts.isStringLiteral(e.argumentExpression) || ts.isNumericLiteral(e.argumentExpression)) {
          chain.unshift(e.argumentExpression.text);
        } else return { literal: false, resolved: false };
        e = e.expression;
      }
      if (ts.isIdentifier(e) && jsonImports.has(e.text)) {
        let value = jsonImports.get(e.text).data;
        for (const part of chain) {
          if (value === null || typeof value !== "object" || !(part in value)) {
            return { literal: false, resolved: false, missing: `${jsonImports.get(e.text).file}: ${chain.join(".")}` };
          }
          value = value[part];
        }
        return { literal: false, resolved: true, value, source: `${path.basename(jsonImports.get(e.text).file)}:${chain.join(".")}` };
      }
    }
  }
  return { literal: false, resolved: false };
}

// A name exported by another module: relative modules are described in turn (with a cycle guard);
// a package is not followed and says so once.
function fromModule(fromFile, spec, original, where, seen) {
  if (!spec.startsWith(".")) {
    return { kind: "unresolved", package: spec, ...where, reason: `imported from package '${spec}'; packages are not followed` };
  }
  const target = resolveModule(fromFile, spec);
  if (target === null) {
    return { kind: "unresolved", ...where, reason: `cannot resolve module '${spec}'` };
  }
  if (seen.has(target)) {
    return { kind: "unresolved", ...where, reason: `circular re-export through ${spec}` };
  }
  const inner = describe(target, new Set([...seen, target]));
  const decl = inner.exports[original];
  return decl ? { ...decl, via: spec } : { kind: "unresolved", ...where, reason: `'${spec}' does not export ${original}` };
}

// The const value a relative module exports under `original` (through its own imports and re-exports).
function valueFromModule(fromFile, spec, original, seen) {
  if (!spec.startsWith(".")) return null;
  const target = resolveModule(fromFile, spec);
  if (target === null || seen.has(target)) return null;
  const inner = describe(target, new Set([...seen, target]));
  return (inner.values || {})[original] || null;
}

// References to non-generic type aliases (declared in the file or imported from a relative module) are
// replaced by what they stand for, so `status: Status` and `status: "a" | "b"` compare equal.
// The type of one value of a const, as TypeScript infers it: literals under `as const`, widened otherwise.
function valueType(value, asConst) {
  if (value === null) return { literal: "null" };
  switch (typeof value) {
    case "string":
      return asConst ? { literal: JSON.stringify(value) } : { kw: "string" };
    case "number":
      return asConst ? { literal: String(value) } : { kw: "number" };
    case "boolean":
      return asConst ? { literal: String(value) } : { kw: "boolean" };
  }
  return null;
}

function unionOf(parts) {
  const seen = new Map();
  for (const p of parts) for (const q of p.union || [p]) seen.set(key(q), q);
  const sorted = [...seen.keys()].sort().map((k) => seen.get(k));
  return sorted.length === 1 ? sorted[0] : { union: sorted };
}

// `typeof X[keyof typeof X]` (parenthesised or not) and `keyof typeof X` over a const object whose value is
// known: the union of its values' types (literals under `as const`) or of its keys. Null when not resolvable.
function constIndex(t, lookup) {
  const valueOf = (q) => (q && q.typeof !== undefined && lookup.value ? lookup.value(q.typeof) : null);
  const objectOf = (q) => {
    const v = valueOf(q);
    return v && v.has_value && v.value !== null && typeof v.value === "object" && !Array.isArray(v.value) ? v : null;
  };
  if (t.op === "keyof" && t.type) {
    const v = objectOf(t.type);
    return v && Object.keys(v.value).length ? unionOf(Object.keys(v.value).map((k) => ({ literal: JSON.stringify(k) }))) : null;
  }
  if (t.index) {
    const [object, index] = t.index;
    const v = objectOf(object);
    if (!v || !(index.op === "keyof" && index.type && index.type.typeof === object.typeof)) return null;
    const parts = Object.values(v.value).map((x) => valueType(x, v.as_const));
    return parts.length && parts.every((x) => x !== null) ? unionOf(parts) : null;
  }
  return null;
}

function expandType(t, lookup, depth) {
  if (!t || typeof t !== "object" || depth > 12) return t;
  if (t.index || t.op === "keyof") {
    const resolved = constIndex(t, lookup);
    if (resolved) return resolved;
  }
  if (t.ref !== undefined && !t.args) {
    const alias = lookup(t.ref);
    return alias ? expandType(alias, lookup, depth + 1) : t;
  }
  for (const kind of ["union", "intersection"]) {
    if (t[kind]) {
      const parts = new Map();
      for (const p of t[kind]) {
        const e = expandType(p, lookup, depth + 1);
        for (const q of e[kind] || [e]) parts.set(key(q), q);
      }
      const sorted = [...parts.keys()].sort().map((k) => parts.get(k));
      return sorted.length === 1 ? sorted[0] : { [kind]: sorted };
    }
  }
  const out = { ...t };
  if (t.object) out.object = expandMembers(t.object, lookup, depth + 1);
  if (t.array) out.array = expandType(t.array, lookup, depth + 1);
  if (t.tuple) out.tuple = t.tuple.map((x) => expandType(x, lookup, depth + 1));
  if (t.args) out.args = t.args.map((x) => expandType(x, lookup, depth + 1));
  if (t.type) out.type = expandType(t.type, lookup, depth + 1);
  if (t.fn) {
    out.fn = { params: t.fn.params.map((p) => ({ ...p, type: expandType(p.type, lookup, depth + 1) })),
      returns: expandType(t.fn.returns, lookup, depth + 1) };
  }
  return out;
}

function expandMembers(members, lookup, depth) {
  const out = {};
  for (const [name, m] of Object.entries(members)) out[name] = { ...m, type: expandType(m.type, lookup, depth) };
  return out;
}

function expandDecl(decl, lookup) {
  if (!decl || typeof decl !== "object") return decl;
  if (decl.kind === "interface") return { ...decl, members: expandMembers(decl.members, lookup, 0) };
  if (decl.kind === "type" || decl.kind === "function") return { ...decl, type: expandType(decl.type, lookup, 0) };
  if ((decl.kind === "const" || decl.kind === "let") && decl.type) return { ...decl, type: expandType(decl.type, lookup, 0) };
  return decl;
}

const described = new Map();

function describe(file, seen) {
  if (described.has(file)) return described.get(file);
  const result = describeFile(file, seen);
  described.set(file, result);
  return result;
}

function describeFile(file, seen) {
  const text = fs.readFileSync(file, "utf8");
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true,
    file.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const errors = (sf.parseDiagnostics || []).map((d) => {
    const { line, character } = sf.getLineAndCharacterOfPosition(d.start || 0);
    return { line: line + 1, column: character + 1, message: ts.flattenDiagnosticMessageText(d.messageText, "\n") };
  });
  const local = new Map();
  const exported = new Map();
  const jsonImports = new Map();
  const imports = new Map();
  const starExports = [];
  const consts = [];
  const values = new Map(); // const name -> its entry (value known or not), kept apart from a type of the same name
  const exportedValues = new Map();

  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier) && st.moduleSpecifier.text.endsWith(".json")) {
      const target = path.resolve(path.dirname(file), st.moduleSpecifier.text);
      const clause = st.importClause;
      let data;
      try {
        data = JSON.parse(fs.readFileSync(target, "utf8"));
      } catch (err) {
        data = undefined;
      }
      if (data !== undefined && clause) {
        if (clause.name) jsonImports.set(clause.name.text, { file: target, data });
        if (clause.namedBindings && ts.isNamespaceImport(clause.namedBindings)) {
          jsonImports.set(clause.namedBindings.name.text, { file: target, data });
        }
      }
      continue;
    }
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier) && st.importClause) {
      const spec = st.moduleSpecifier.text;
      const clause = st.importClause;
      if (clause.name) imports.set(clause.name.text, { spec, original: "default", ...position(sf, clause.name) });
      if (clause.namedBindings && ts.isNamedImports(clause.namedBindings)) {
        for (const el of clause.namedBindings.elements) {
          const original = el.propertyName ? el.propertyName.text : el.name.text;
          imports.set(el.name.text, { spec, original, ...position(sf, el) });
        }
      }
      continue;
    }
    const isExported = hasModifier(st, SK.ExportKeyword);
    const where = position(sf, st);
    if (ts.isInterfaceDeclaration(st)) {
      const ext = [];
      for (const h of st.heritageClauses || []) {
        for (const t of h.types) ext.push(t.expression.getText());
      }
      local.set(st.name.text, { kind: "interface", ...where, extends: ext, members: members(st.members) });
    } else if (ts.isTypeAliasDeclaration(st)) {
      local.set(st.name.text, { kind: "type", ...where, type: canon(st.type), generic: !!(st.typeParameters && st.typeParameters.length) });
    } else if (ts.isEnumDeclaration(st)) {
      const m = {};
      let next = 0;
      for (const member of st.members) {
        let value = next;
        if (member.initializer) {
          const v = constValue(member.initializer, jsonImports);
          value = v.literal ? v.value : member.initializer.getText();
        }
        m[propName(member.name)] = value;
        next = typeof value === "number" ? value + 1 : next;
      }
      local.set(st.name.text, { kind: "enum", ...where, members: m });
    } else if (ts.isVariableStatement(st)) {
      const isConst = (st.declarationList.flags & ts.NodeFlags.Const) !== 0;
      for (const d of st.declarationList.declarations) {
        if (!ts.isIdentifier(d.name)) continue;
        const v = d.initializer ? constValue(d.initializer, jsonImports) : { literal: false, resolved: false };
        const pos = position(sf, d);
        const asConst = !!d.initializer && ts.isAsExpression(d.initializer) && ts.isTypeReferenceNode(d.initializer.type) &&
          d.initializer.type.typeName.getText() === "const";
        const entry = { kind: isConst ? "const" : "let", ...pos, literal: v.literal, resolved: !!v.resolved, as_const: asConst,
          value: v.value === undefined ? null : v.value, has_value: v.literal || !!v.resolved,
          text: d.initializer ? d.initializer.getText().replace(/\s+/g, " ").slice(0, 200) : null,
          type: d.type ? canon(d.type) : null, source: v.source || null, missing: v.missing || null };
        local.set(d.name.text, entry);
        if (isConst) values.set(d.name.text, entry);
        if (isExported) {
          exported.set(d.name.text, entry);
          if (isConst) exportedValues.set(d.name.text, { local: d.name.text });
          consts.push({ name: d.name.text, ...entry });
        }
      }
      continue;
    } else if (ts.isFunctionDeclaration(st) && st.name) {
      local.set(st.name.text, { kind: "function", ...where, type: fn(st) });
    } else if (ts.isClassDeclaration(st) && st.name) {
      local.set(st.name.text, { kind: "class", ...where, text: st.name.text });
    } else if (ts.isExportDeclaration(st) && st.exportClause && ts.isNamedExports(st.exportClause)) {
      const spec = st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier) ? st.moduleSpecifier.text : null;
      for (const el of st.exportClause.elements) {
        const name = el.name.text;
        const original = el.propertyName ? el.propertyName.text : name;
        if (spec === null) {
          exported.set(name, { pending: original, ...position(sf, el) });
          exportedValues.set(name, { local: original });
          continue;
        }
        exported.set(name, fromModule(file, spec, original, position(sf, el), seen));
        exportedValues.set(name, { spec, original });
      }
      continue;
    } else if (ts.isExportDeclaration(st) && !st.exportClause && st.moduleSpecifier) {
      starExports.push({ spec: st.moduleSpecifier.text, where });
      continue;
    } else {
      continue;
    }
    if (isExported) exported.set(st.name.text, local.get(st.name.text));
  }

  for (const [name, decl] of exported) {
    if (decl && decl.pending !== undefined) {
      const found = local.get(decl.pending);
      const imported = imports.get(decl.pending);
      exported.set(name, found
        || (imported && fromModule(file, imported.spec, imported.original, { file, line: decl.line, column: decl.column }, seen))
        || { kind: "unresolved", file, line: decl.line, column: decl.column, reason: `no local declaration of ${decl.pending}` });
    }
  }
  for (const star of starExports) {
    const target = resolveModule(file, star.spec);
    if (!star.spec.startsWith(".")) {
      exported.set(`* from '${star.spec}'`, { kind: "unresolved", package: star.spec, ...star.where,
        reason: `re-exported from package '${star.spec}'; packages are not followed` });
    } else if (target === null) {
      exported.set(`* from '${star.spec}'`, { kind: "unresolved", ...star.where, reason: `cannot resolve module '${star.spec}'` });
    } else if (!seen.has(target)) {
      const inner = describe(target, new Set([...seen, target]));
      for (const [name, decl] of Object.entries(inner.exports)) {
        if (!exported.has(name)) exported.set(name, { ...decl, via: star.spec });
      }
      for (const name of Object.keys(inner.values || {})) {
        if (!exportedValues.has(name)) exportedValues.set(name, { spec: star.spec, original: name });
      }
    }
  }
  const flatten = (decl, chain) => {
    if (!decl || decl.kind !== "interface" || !decl.extends.length) return decl;
    const merged = {};
    const unresolved = [];
    for (const base of decl.extends) {
      const parent = local.get(base.replace(/<.*$/, ""));
      if (parent && parent.kind === "interface" && !chain.includes(base)) {
        Object.assign(merged, flatten(parent, [...chain, base]).members);
      } else {
        unresolved.push(base);
      }
    }
    Object.assign(merged, decl.members);
    return { ...decl, members: merged, extends: unresolved, flattened: decl.extends };
  };
  const lookup = (name) => {
    const own = local.get(name);
    if (own) return own.kind === "type" && !own.generic ? own.type : null;
    const imported = imports.get(name);
    if (!imported || !imported.spec.startsWith(".")) return null;
    const decl = fromModule(file, imported.spec, imported.original, {}, seen);
    return decl && decl.kind === "type" && !decl.generic ? decl.type : null;
  };
  // A const by name: declared here, or imported / re-exported from a relative module (followed to any depth).
  const valueLookup = (name) => {
    if (values.has(name)) return values.get(name);
    const imported = imports.get(name);
    return imported ? valueFromModule(file, imported.spec, imported.original, seen) : null;
  };
  lookup.value = valueLookup;
  const valuesOut = {};
  for (const [name, how] of exportedValues) {
    const v = how.local !== undefined ? valueLookup(how.local) : valueFromModule(file, how.spec, how.original, seen);
    if (v) valuesOut[name] = v;
  }
  const exportsOut = {};
  for (const [name, decl] of exported) exportsOut[name] = expandDecl(flatten(decl, [name]), lookup);
  const names = [...new Set([...local.keys(), ...imports.keys(), ...jsonImports.keys(), ...exported.keys()])].sort();
  return { errors, exports: exportsOut, consts, values: valuesOut, names };
}

function main() {
  const request = JSON.parse(fs.readFileSync(0, "utf8"));
  const files = {};
  for (const file of request.files) {
    try {
      files[file] = describe(file, new Set([file]));
    } catch (err) {
      files[file] = { errors: [{ line: 0, column: 0, message: String(err && err.message || err) }], exports: {}, consts: [] };
    }
  }
  process.stdout.write(JSON.stringify({ typescript: ts.version, files }));
}

main();
