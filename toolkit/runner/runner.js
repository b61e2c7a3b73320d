'use strict';
// cedar-gates runner: answers Cedar requests with cedar-wasm, one JSON object per line.
// Protocol (docs/parity.md): each request line is {"id", "op", ...}; each answer line is
// {"id", "ok": true, "result"} or {"id", "ok": false, "error"}. Answers keep request order.

const fs = require('fs');
const path = require('path');
const readline = require('readline');

const WASM_ENTRY = '@cedar-policy/cedar-wasm/nodejs';
let cedar;
try {
  cedar = require(WASM_ENTRY);
} catch (err) {
  process.stderr.write(`cedar-gates runner: cannot load ${WASM_ENTRY}: ${err.message}\n`);
  process.exit(3);
}

const faultsEnabled = process.env.CEDAR_GATES_RUNNER_FAULTS === '1';

function wasmPackageVersion() {
  const entry = require.resolve(WASM_ENTRY);
  const manifest = path.join(path.dirname(entry), '..', 'package.json');
  return JSON.parse(fs.readFileSync(manifest, 'utf8')).version;
}

function messages(errors) {
  return (errors || []).map((e) => (typeof e === 'string' ? e : e.message));
}

function policyIdOrder(count) {
  const ids = [];
  for (let i = 0; i < count; i += 1) ids.push(`policy${i}`);
  return ids;
}

// policySetTextToParts lists policies in lexicographic id order (policy0, policy1, policy10, ...).
function describePolicies(text) {
  const parts = cedar.policySetTextToParts(text);
  if (parts.type !== 'success') return { type: 'failure', errors: messages(parts.errors) };
  const ids = policyIdOrder(parts.policies.length);
  const lexical = [...ids].sort();
  const byId = new Map();
  for (let i = 0; i < lexical.length; i += 1) {
    const json = cedar.policyToJson(parts.policies[i]);
    if (json.type !== 'success') return { type: 'failure', errors: messages(json.errors) };
    byId.set(lexical[i], { id: lexical[i], effect: json.json.effect, annotations: json.json.annotations || {} });
  }
  return { type: 'success', policies: ids.map((id) => byId.get(id)), templates: parts.policy_templates.length };
}

function load(msg) {
  const parsed = cedar.preparsePolicySet(msg.set, { staticPolicies: msg.policies });
  if (parsed.type !== 'success') return { type: 'failure', errors: messages(parsed.errors) };
  return describePolicies(msg.policies);
}

function authorizeOne(set, entities, request) {
  try {
    const answer = cedar.statefulIsAuthorized({
      principal: request.principal,
      action: request.action,
      resource: request.resource,
      context: request.context || {},
      entities,
      preparsedPolicySetId: set,
    });
    if (answer.type !== 'success') return { type: 'failure', errors: messages(answer.errors) };
    const diagnostics = answer.response.diagnostics;
    return {
      type: 'success',
      decision: answer.response.decision,
      reasons: diagnostics.reason,
      errored: diagnostics.errors.map((e) => e.policyId),
      messages: diagnostics.errors.map((e) => e.error.message),
    };
  } catch (err) {
    return { type: 'failure', errors: [String(err && err.message ? err.message : err)] };
  }
}

function authorize(msg) {
  const entities = msg.entities || [];
  return msg.requests.map((request) => authorizeOne(msg.set, entities, request));
}

function hello() {
  // Warm up: the first call of each wasm function is slow.
  cedar.preparsePolicySet('__warmup', { staticPolicies: 'permit (principal, action, resource);' });
  const uid = { type: 'Agent::TaskAgent', id: 'warmup' };
  cedar.statefulIsAuthorized({
    principal: uid, action: uid, resource: uid, context: {}, entities: [], preparsedPolicySetId: '__warmup',
  });
  describePolicies('@rule_id("warmup") permit (principal, action, resource);');
  return {
    node: process.version,
    cedar: cedar.getCedarVersion(),
    lang: cedar.getCedarLangVersion(),
    sdk: cedar.getCedarSDKVersion(),
    package: wasmPackageVersion(),
    pid: process.pid,
  };
}

function fault(kind) {
  if (!faultsEnabled) throw new Error('fault injection is disabled');
  if (kind === 'exit') process.exit(7);
  if (kind === 'hang') return new Promise(() => {});
  if (kind === 'garbage') {
    process.stdout.write('this is not json\n');
    return undefined;
  }
  throw new Error(`unknown fault ${kind}`);
}

const OPS = { hello, load, authorize, describe: (msg) => describePolicies(msg.policies) };

async function handle(line) {
  let msg;
  try {
    msg = JSON.parse(line);
  } catch (err) {
    return { id: null, ok: false, error: `request is not JSON: ${err.message}` };
  }
  try {
    if (msg.fault) {
      await fault(msg.fault);
      if (msg.fault === 'garbage') return null;
    }
    const op = OPS[msg.op];
    if (!op) return { id: msg.id, ok: false, error: `unknown op ${JSON.stringify(msg.op)}` };
    return { id: msg.id, ok: true, result: op(msg) };
  } catch (err) {
    return { id: msg.id, ok: false, error: String(err && err.message ? err.message : err) };
  }
}

async function main() {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const answer = await handle(line);
    if (answer !== null) process.stdout.write(`${JSON.stringify(answer)}\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`cedar-gates runner: ${err.stack || err}\n`);
  process.exit(4);
});
