// A thin driver around ts-mls for Ampoule's interop suite.
//
// Protocol: one JSON request per line on stdin, one JSON response per line on stdout.
//   request:  {"id": 7, "op": "commit", ...arguments}
//   response: {"id": 7, "ok": true, "result": {...}}  or  {"id": 7, "ok": false, "error": "..."}
// MLS messages travel as hex-encoded MLSMessage bytes. Each client is named by the caller; the
// driver keeps its ts-mls state in memory. Every MLS operation is a ts-mls call: this file only
// translates between JSON and ts-mls objects, apart from three workarounds for places where
// ts-mls 1.6.4 departs from RFC 9420 (ECDSA key encoding, external_pub, external senders), each
// marked below and described in ../README.md. Diagnostics go to stderr.

import { createInterface } from "node:readline";
import {
  ciphersuites,
  createApplicationMessage,
  createCommit,
  createGroup,
  createGroupInfoWithExternalPubAndRatchetTree,
  createProposal,
  decodeMlsMessage,
  emptyPskIndex,
  encodeExternalSender,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  joinGroupExternal,
  makePskIndex,
  mlsExporter,
  processMessage,
  acceptAll,
} from "ts-mls";
import { clientConfig } from "./client-config.mjs";
// ts-mls's proposeExternal looks the sender up in the GroupInfo's external_senders extension,
// which it cannot read when that extension follows RFC 9420 §12.1.8.1 (see ../README.md). The
// package exports the lower-level signer it is built on; it takes the sender index directly.
import { protectExternalProposalPublic } from "ts-mls/messageProtectionPublic.js";
// ts-mls writes the external_pub extension as the bare HPKE key; RFC 9420 §12.4.3.2 wraps it in
// the ExternalPub struct (a variable-length vector). For a GroupInfo meant for another
// implementation, ts-mls's own GroupInfo is re-signed with ts-mls's signer after wrapping the key
// with ts-mls's own vector encoder (see ../README.md).
import { signGroupInfo } from "ts-mls/groupInfo.js";
import { varLenDataEncoder } from "ts-mls/codec/variableLength.js";
import { encode as tlsEncode } from "ts-mls/codec/tlsEncoder.js";


// A fixed GREASE value (RFC 9420 §13.5) in every capability list, so that runs are deterministic
// (ts-mls's default capabilities pick GREASE values at random).
const GREASE = 0x0a0a;

const suiteNames = Object.fromEntries(Object.entries(ciphersuites).map(([name, id]) => [id, name]));
const impls = new Map();
const clients = new Map();
const relays = new Map();

const hex = (bytes) => Buffer.from(bytes).toString("hex");
const bytes = (h) => new Uint8Array(Buffer.from(h ?? "", "hex"));

async function impl(suite) {
  if (!impls.has(suite)) {
    const name = suiteNames[suite];
    if (name === undefined) throw new Error(`unknown cipher suite ${suite}`);
    impls.set(suite, await getCiphersuiteImpl(getCiphersuiteFromName(name)));
  }
  return impls.get(suite);
}

function client(name) {
  const c = clients.get(name);
  if (c === undefined) throw new Error(`no client ${name}`);
  return c;
}

function member(name) {
  const c = client(name);
  if (c.state === undefined) throw new Error(`client ${name} is in no group`);
  return c;
}

function decode(h) {
  const decoded = decodeMlsMessage(bytes(h), 0);
  if (decoded === undefined) throw new Error("MLSMessage does not decode");
  return decoded[0];
}

function expect(message, wireformat) {
  if (message.wireformat !== wireformat) throw new Error(`expected ${wireformat}, got ${message.wireformat}`);
  return message;
}

const encode = (message) => hex(encodeMlsMessage({ version: "mls10", ...message }));

function capabilities() {
  return {
    versions: ["mls10"],
    ciphersuites: [...Object.keys(ciphersuites).filter((n) => ciphersuites[n] <= 7), String(GREASE)],
    extensions: [GREASE],
    proposals: [GREASE],
    credentials: ["basic", "x509", String(GREASE)],
  };
}

function lifetime() {
  const now = BigInt(Math.floor(Date.now() / 1000));
  return { notBefore: now - 3600n, notAfter: now + 28n * 24n * 3600n };
}

// ts-mls 1.6.4 publishes ECDSA signature keys as compressed points (its @noble/curves keygen
// default); RFC 9420 §5.1.1 requires UncompressedPointRepresentation (see ../README.md). The key
// pair still comes from ts-mls's keygen; only the public key is re-encoded, by @noble/curves.
const nistCurves = { P256: "p256", P384: "p384", P521: "p521" };

async function signatureKeyPair(cs, suite, asTsMlsEncodes = false) {
  const keys = await cs.signature.keygen();
  const curve = nistCurves[getCiphersuiteFromName(suiteNames[suite]).signature];
  if (curve === undefined || asTsMlsEncodes) return keys;
  const noble = (await import("@noble/curves/nist.js"))[curve];
  return { signKey: keys.signKey, publicKey: noble.Point.fromBytes(keys.publicKey).toBytes(false) };
}

// Fresh KeyPackage (and private keys) for the client, kept for join / joinExternal.
async function newKeyPackage(c) {
  const kp = await generateKeyPackageWithKey(
    { credentialType: "basic", identity: new TextEncoder().encode(c.identity) },
    capabilities(),
    lifetime(),
    [],
    c.signatureKeys,
    c.cs,
  );
  c.keyPackage = kp.publicPackage;
  c.privatePackage = kp.privatePackage;
  return encode({ wireformat: "mls_key_package", keyPackage: kp.publicPackage });
}

function status(c) {
  const s = c.state;
  return {
    epoch: Number(s.groupContext.epoch),
    epochAuthenticator: hex(s.keySchedule.epochAuthenticator),
    state: s.groupActiveState.kind,
    leafIndex: s.privatePath.leafIndex,
    groupId: hex(s.groupContext.groupId),
    members: s.ratchetTree.filter((n) => n?.nodeType === "leaf").length,
  };
}

const ops = {
  // Which of the seven RFC 9420 suites this ts-mls installation can instantiate.
  async suites() {
    const supported = [];
    const unsupported = {};
    for (let id = 1; id <= 7; id++) {
      try {
        const cs = await impl(id);
        await cs.signature.keygen();
        supported.push(id);
      } catch (e) {
        unsupported[id] = String(e?.message ?? e);
      }
    }
    return { supported, unsupported };
  },

  // asTsMlsEncodes: keep ts-mls's own (compressed) ECDSA public key encoding.
  async newClient({ name, suite, identity, asTsMlsEncodes = false }) {
    const cs = await impl(suite);
    const signatureKeys = await signatureKeyPair(cs, suite, asTsMlsEncodes);
    const c = { name, suite, identity: identity ?? name, cs, signatureKeys };
    clients.set(name, c);
    return { keyPackage: await newKeyPackage(c) };
  },

  async keyPackage({ name }) {
    return { keyPackage: await newKeyPackage(client(name)) };
  },

  // externalSenders: [{signatureKey: hex, identity: string}], each put into the GroupContext the
  // way ts-mls encodes it.
  async createGroup({ name, groupId, externalSenders = [] }) {
    const c = client(name);
    const extensions = externalSenders.map((s) => ({
      extensionType: "external_senders",
      extensionData: encodeExternalSender({
        signaturePublicKey: bytes(s.signatureKey),
        credential: { credentialType: "basic", identity: new TextEncoder().encode(s.identity) },
      }),
    }));
    c.state = await createGroup(bytes(groupId), c.keyPackage, c.privatePackage, extensions, c.cs, clientConfig);
    return status(c);
  },

  async join({ name, welcome }) {
    const c = client(name);
    const w = expect(decode(welcome), "mls_welcome").welcome;
    c.state = await joinGroup(w, c.keyPackage, c.privatePackage, emptyPskIndex, c.cs, undefined, undefined, clientConfig);
    return status(c);
  },

  // resync: the Commit also removes this client's earlier leaf (found by its signature key).
  async joinExternal({ name, groupInfo, resync = false }) {
    const c = client(name);
    const gi = expect(decode(groupInfo), "mls_group_info").groupInfo;
    const { publicMessage, newState } = await joinGroupExternal(gi, c.keyPackage, c.privatePackage, resync, c.cs,
      undefined, clientConfig);
    c.state = newState;
    return { commit: encode({ wireformat: "mls_public_message", publicMessage }), ...status(c) };
  },

  // Commits every received proposal by reference plus adds/removes by value. With no proposal at
  // all the Commit is empty and carries an UpdatePath (a self-update). ts-mls applies it at once.
  async commit({ name, public: asPublic = true, adds = [], removes = [] }) {
    const c = member(name);
    const extraProposals = [
      ...adds.map((kp) => ({ proposalType: "add", add: { keyPackage: expect(decode(kp), "mls_key_package").keyPackage } })),
      ...removes.map((leaf) => ({ proposalType: "remove", remove: { removed: leaf } })),
    ];
    const result = await createCommit(
      { state: c.state, cipherSuite: c.cs, pskIndex: makePskIndex(c.state, {}) },
      { wireAsPublicMessage: asPublic, extraProposals, ratchetTreeExtension: true },
    );
    c.state = result.newState;
    return {
      commit: encode(result.commit),
      welcome: result.welcome === undefined ? null : encode({ wireformat: "mls_welcome", welcome: result.welcome }),
      ...status(c),
    };
  },

  async proposeRemove({ name, public: asPublic = true, leaf }) {
    const c = member(name);
    const r = await createProposal(c.state, asPublic, { proposalType: "remove", remove: { removed: leaf } }, c.cs);
    c.state = r.newState;
    return { proposal: encode(r.message) };
  },

  async proposeAdd({ name, public: asPublic = true, keyPackage }) {
    const c = member(name);
    const kp = expect(decode(keyPackage), "mls_key_package").keyPackage;
    const r = await createProposal(c.state, asPublic, { proposalType: "add", add: { keyPackage: kp } }, c.cs);
    c.state = r.newState;
    return { proposal: encode(r.message) };
  },

  async encrypt({ name, data, aad }) {
    const c = member(name);
    const r = await createApplicationMessage(c.state, bytes(data), c.cs, bytes(aad));
    c.state = r.newState;
    return { message: encode({ wireformat: "mls_private_message", privateMessage: r.privateMessage }) };
  },

  async process({ name, message }) {
    const c = member(name);
    const m = decode(message);
    if (m.wireformat !== "mls_public_message" && m.wireformat !== "mls_private_message") {
      throw new Error(`cannot process ${m.wireformat}`);
    }
    const contentType =
      m.wireformat === "mls_public_message" ? m.publicMessage.content.contentType : m.privateMessage.contentType;
    const r = await processMessage(m, c.state, makePskIndex(c.state, {}), acceptAll, c.cs);
    c.state = r.newState;
    if (r.kind === "applicationMessage") return { kind: "application", data: hex(r.message), ...status(c) };
    return { kind: contentType, action: r.actionTaken, ...status(c) };
  },

  async status({ name }) {
    return status(member(name));
  },

  async exporter({ name, label, context, length }) {
    const c = member(name);
    return { secret: hex(await mlsExporter(c.state.keySchedule.exporterSecret, label, bytes(context), length, c.cs)) };
  },

  // rfcExternalPub: external_pub as RFC 9420's ExternalPub struct, for a reader other than ts-mls.
  async groupInfo({ name, rfcExternalPub = false }) {
    const c = member(name);
    let gi = await createGroupInfoWithExternalPubAndRatchetTree(c.state, [], c.cs);
    if (rfcExternalPub) {
      const { signature, ...tbs } = gi;
      const extensions = tbs.extensions.map((e) =>
        e.extensionType === "external_pub"
          ? { ...e, extensionData: tlsEncode(varLenDataEncoder)(e.extensionData) }
          : e,
      );
      gi = await signGroupInfo({ ...tbs, extensions }, c.state.signaturePrivateKey, c.cs.signature);
    }
    return { groupInfo: encode({ wireformat: "mls_group_info", groupInfo: gi }) };
  },

  // A non-member external sender (RFC 9420 §12.1.8): a signature key pair of the suite.
  async newRelay({ name, suite }) {
    const cs = await impl(suite);
    const keys = await signatureKeyPair(cs, suite);
    relays.set(name, { cs, keys });
    return { signatureKey: hex(keys.publicKey) };
  },

  // A Remove proposal from the external sender at senderIndex, as a PublicMessage.
  async relayRemove({ name, groupId, epoch, senderIndex, leaf }) {
    const relay = relays.get(name);
    if (relay === undefined) throw new Error(`no relay ${name}`);
    const context = { version: "mls10", groupId: bytes(groupId), epoch: BigInt(epoch) };
    const { publicMessage } = await protectExternalProposalPublic(relay.keys.signKey, context, new Uint8Array(),
      { proposalType: "remove", remove: { removed: leaf } }, { senderType: "external", senderIndex }, relay.cs);
    return { proposal: encode({ wireformat: "mls_public_message", publicMessage }) };
  },
};

const describe = (e) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (line.trim() === "") continue;
  let id = null;
  let response;
  try {
    const request = JSON.parse(line);
    id = request.id ?? null;
    const op = ops[request.op];
    if (op === undefined) throw new Error(`unknown op ${request.op}`);
    response = { id, ok: true, result: await op(request) };
  } catch (e) {
    response = { id, ok: false, error: describe(e) };
  }
  process.stdout.write(JSON.stringify(response) + "\n");
}
