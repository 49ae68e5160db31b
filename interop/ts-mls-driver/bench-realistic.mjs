// ts-mls on the realistic group shapes of group-protocol's RealisticGroupBenchmark (suite 1,
// handshakes as PublicMessage), for BENCHMARKS.md's ratios:
//   sparse      — the creator (leaf 0) adds leaf 1, then the other N − 2 in one Commit;
//   after churn — then 20 members at the leaves RealisticFixture.churnLeaves draws (the same
//                 generator, below) join from that Welcome and commit once each.
// The creator commits, leaf 1 processes (and, after churn, leaf N − 2 too: the typical receiver). ts-mls states are immutable values, so an operation is
// repeated on the same state and every repetition does the same work.
//
//   node bench-realistic.mjs --members 100,1000 [--reps 5] [--budget-seconds 120] [--out file.json]
//
// Each operation runs once unmeasured (below 10,000 members), then up to --reps times, stopping
// early once --budget-seconds have gone by (at least one measured run). Prints one JSON object
// per operation and size; --out collects them in a file.

import { writeFileSync } from "node:fs";
import {
  acceptAll,
  createCommit,
  createGroup,
  decodeMlsMessage,
  emptyPskIndex,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  makePskIndex,
  processMessage,
} from "ts-mls";
import { clientConfig } from "./client-config.mjs";

const CHURN = 20;
const SEED = 42n;

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith("--") ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []),
);
const sizes = (args.members ?? "100,1000").split(",").map(Number);
const reps = Number(args.reps ?? 5);
const budgetMs = Number(args["budget-seconds"] ?? 120) * 1000;

const capabilities = {
  versions: ["mls10"],
  ciphersuites: ["MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519"],
  extensions: [],
  proposals: [],
  credentials: ["basic"],
};

const cs = await getCiphersuiteImpl(getCiphersuiteFromName("MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519"));

/** The churned leaves: RealisticFixture.churnLeaves's 64-bit LCG (Knuth's MMIX constants). */
function churnLeaves(members, count, seed) {
  const leaves = [];
  let x = seed;
  const mask = (1n << 64n) - 1n;
  while (leaves.length < Math.min(count, members - 4)) {
    x = (x * 6364136223846793005n + 1442695040888963407n) & mask;
    const leaf = 2 + Number((x >> 33n) % BigInt(members - 4));
    if (!leaves.includes(leaf)) leaves.push(leaf);
  }
  return leaves;
}

async function keyPackage(i) {
  const keys = await cs.signature.keygen();
  const lifetime = { notBefore: BigInt(Math.floor(Date.now() / 1000) - 3600), notAfter: BigInt(Math.floor(Date.now() / 1000) + 86400 * 30) };
  const kp = await generateKeyPackageWithKey(
    { credentialType: "basic", identity: new TextEncoder().encode(`member-${i}`) },
    capabilities, lifetime, [], keys, cs);
  return kp;
}

const wire = (m) => decodeMlsMessage(encodeMlsMessage({ version: "mls10", ...m }), 0)[0];
const adds = (kps) => kps.map((kp) => ({ proposalType: "add", add: { keyPackage: kp.publicPackage } }));
const commit = (state, extraProposals = [], ratchetTreeExtension = true) =>
  createCommit({ state, cipherSuite: cs, pskIndex: makePskIndex(state, {}) },
    { wireAsPublicMessage: true, extraProposals, ratchetTreeExtension });
const process_ = (state, message) => processMessage(message, state, makePskIndex(state, {}), acceptAll, cs);
const join = (welcome, kp, tree) => joinGroup(welcome, kp.publicPackage, kp.privatePackage, emptyPskIndex, cs, tree,
  undefined, clientConfig);

const results = [];

async function measure(op, members, fn) {
  if (members < 10000) await fn();
  const samples = [];
  const start = Date.now();
  while (samples.length < reps && (samples.length === 0 || Date.now() - start < budgetMs)) {
    const t = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  const r = { impl: "ts-mls", op, members, medianMs: median, samples };
  results.push(r);
  console.log(JSON.stringify(r));
}

const seconds = (t) => ((Date.now() - t) / 1000).toFixed(1);

for (const n of sizes) {
  let t = Date.now();
  const kps = [];
  for (let i = 0; i < n; i++) kps.push(await keyPackage(i));
  console.error(`[ts-mls] N=${n}: ${n} KeyPackages in ${seconds(t)} s`);
  const groupId = new TextEncoder().encode(`bench-${n}`);
  const lone = await createGroup(groupId, kps[0].publicPackage, kps[0].privatePackage, [], cs, clientConfig);

  // ---- adding everyone ---------------------------------------------------------------------------
  await measure("addAll", n, () => commit(lone, adds(kps.slice(1)), true));
  await measure("addAllTreeOutOfBand", n, () => commit(lone, adds(kps.slice(1)), false));

  // ---- the sparse shape --------------------------------------------------------------------------
  t = Date.now();
  const first = await commit(lone, adds([kps[1]]));
  let receiver = await join(wire({ wireformat: "mls_welcome", welcome: first.welcome }).welcome, kps[1]);
  const receiverBefore = receiver;
  const big = await commit(first.newState, adds(kps.slice(2)), true);
  let creator = big.newState;
  const bigCommit = wire(big.commit);
  const bigWelcome = wire({ wireformat: "mls_welcome", welcome: big.welcome }).welcome;
  receiver = (await process_(receiverBefore, bigCommit)).newState;
  console.error(`[ts-mls] N=${n}: sparse shape built in ${seconds(t)} s`);

  await measure("addAllProcess", n, () => process_(receiverBefore, bigCommit));
  await measure("join", n, () => join(bigWelcome, kps[n - 1]));
  await measure("firstCommitCreate", n, () => commit(creator));
  const firstCommit = wire((await commit(creator)).commit);
  await measure("firstCommitProcess", n, () => process_(receiver, firstCommit));

  // ---- after churn -------------------------------------------------------------------------------
  t = Date.now();
  const churners = [];
  for (const leaf of churnLeaves(n, CHURN, SEED)) {
    churners.push(await join(bigWelcome, kps[leaf]));
  }
  // The typical receiver: leaf N − 2, whose lowest common ancestor with the creator is the root.
  let far = await join(bigWelcome, kps[n - 2]);
  for (let i = 0; i < churners.length; i++) {
    const c = await commit(churners[i], [], false);
    churners[i] = c.newState;
    const m = wire(c.commit);
    for (let j = i + 1; j < churners.length; j++) churners[j] = (await process_(churners[j], m)).newState;
    creator = (await process_(creator, m)).newState;
    receiver = (await process_(receiver, m)).newState;
    far = (await process_(far, m)).newState;
  }
  console.error(`[ts-mls] N=${n}: after-churn shape built in ${seconds(t)} s`);
  await measure("churnEmptyCommitCreate", n, () => commit(creator, [], false));
  const empty = wire((await commit(creator, [], false)).commit);
  await measure("churnEmptyCommitProcess", n, () => process_(receiver, empty));
  await measure("churnEmptyCommitProcessFar", n, () => process_(far, empty));
  const removeLast = [{ proposalType: "remove", remove: { removed: n - 1 } }];
  await measure("churnRemoveCreate", n, () => commit(creator, removeLast, false));
  const removal = wire((await commit(creator, removeLast, false)).commit);
  await measure("churnRemoveProcess", n, () => process_(receiver, removal));
}

if (args.out) writeFileSync(args.out, JSON.stringify(results, null, 2));
