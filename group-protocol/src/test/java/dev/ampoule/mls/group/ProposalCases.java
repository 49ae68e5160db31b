package dev.ampoule.mls.group;

import static dev.ampoule.mls.group.Forge.freshHpkeKey;
import static dev.ampoule.mls.group.Forge.key;
import static dev.ampoule.mls.group.Forge.leaf;
import static dev.ampoule.mls.group.Forge.proposal;
import static dev.ampoule.mls.group.Forge.updateLeaf;
import static dev.ampoule.mls.group.TestClients.SUITE;
import static dev.ampoule.mls.group.TestClients.credential;
import static dev.ampoule.mls.group.TestClients.utf8;

import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.credential.CredentialRule;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.extension.ExtensionType;
import dev.ampoule.mls.extension.ExternalSenders;
import dev.ampoule.mls.extension.RequiredCapabilities;
import dev.ampoule.mls.group.Forge.LeafParts;
import dev.ampoule.mls.message.ExternalInitProposal;
import dev.ampoule.mls.message.GroupContextExtensionsProposal;
import dev.ampoule.mls.message.PreSharedKeyProposal;
import dev.ampoule.mls.message.Proposal;
import dev.ampoule.mls.message.ReInitProposal;
import dev.ampoule.mls.message.RemoveProposal;
import dev.ampoule.mls.message.UpdateProposal;
import dev.ampoule.mls.schedule.PreSharedKeyId;
import dev.ampoule.mls.schedule.ResumptionPskUsage;
import dev.ampoule.mls.schedule.ScheduleRule;
import dev.ampoule.mls.tree.LeafNode;
import dev.ampoule.mls.tree.LeafNodeSource;
import dev.ampoule.mls.tree.Lifetime;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Single proposals (RFC 9420 §12.1) that break a rule, sent on their own as member PublicMessages:
 * Remove, Update, PreSharedKey, ReInit, ExternalInit and GroupContextExtensions. Add proposals
 * carry KeyPackages and live in {@link KeyPackageCases}.
 */
final class ProposalCases {

    private ProposalCases() {}

    /** An unknown extension type no member lists. */
    static final int UNKNOWN_EXTENSION = 0xF0F0;

    static List<MatrixCase> cases() {
        MatrixCase.Catalog c = new MatrixCase.Catalog("proposals");

        // ---- Remove (§12.1.3) ------------------------------------------------------------------
        c.both("Remove of a blank leaf inside the tree", GroupRule.REMOVE_BLANK_LEAF,
                () -> fromAliceToBob(new RemoveProposal(3)));
        c.both("Remove of a leaf outside the tree", GroupRule.REMOVE_BLANK_LEAF,
                () -> fromAliceToBob(new RemoveProposal(1000)));

        // ---- Update (§12.1.2, §7.3) ----------------------------------------------------------
        c.both("Update presenting another identity", GroupRule.CREDENTIAL_NOT_SUCCESSOR,
                () -> updateFromBob(p -> p.credential(credential("mallory"))));
        c.both("Update leaf with source key_package", GroupRule.LEAF_SOURCE,
                () -> updateFromBob(p -> p.source(new LeafNodeSource.KeyPackage(new Lifetime(0, Long.MAX_VALUE)))));
        c.both("Update leaf signed for another leaf index", GroupRule.LEAF_SIGNATURE, () -> {
            Trio t = Trio.create();
            LeafNode leaf = LeafParts.of(leaf(t.bob)).encryptionKey(freshHpkeKey())
                    .source(new LeafNodeSource.Update()).sign(key(t.bob), t.bob.groupId(), 2);
            return t.deliver(t.alice, proposal(t.bob, new UpdateProposal(leaf)));
        });
        c.both("Update leaf signed for another group", GroupRule.LEAF_SIGNATURE, () -> {
            Trio t = Trio.create();
            LeafNode leaf = LeafParts.of(leaf(t.bob)).encryptionKey(freshHpkeKey())
                    .source(new LeafNodeSource.Update()).sign(key(t.bob), utf8("another group"), 1);
            return t.deliver(t.alice, proposal(t.bob, new UpdateProposal(leaf)));
        });
        c.both("Update keeping the old encryption key", GroupRule.UPDATE_ENCRYPTION_KEY_UNCHANGED, () -> {
            Trio t = Trio.create();
            return t.deliver(t.alice, proposal(t.bob, new UpdateProposal(
                    updateLeaf(t.bob, p -> p.encryptionKey(leaf(t.bob).encryptionKey())))));
        });
        c.both("Update reusing another member's encryption key", GroupRule.ENCRYPTION_KEY_NOT_UNIQUE, () -> {
            Trio t = Trio.create();
            return t.deliver(t.alice, proposal(t.bob, new UpdateProposal(
                    updateLeaf(t.bob, p -> p.encryptionKey(leaf(t.carol).encryptionKey())))));
        });
        c.both("Update taking another member's signature key", GroupRule.SIGNATURE_KEY_NOT_UNIQUE, () -> {
            Trio t = Trio.create();
            // The leaf is signed with carol's key, which it presents; the proposal with bob's.
            LeafNode leaf = LeafParts.of(leaf(t.bob)).encryptionKey(freshHpkeKey())
                    .source(new LeafNodeSource.Update()).signatureKey(leaf(t.carol).signatureKey())
                    .sign(key(t.carol), t.bob.groupId(), 1);
            return t.deliver(t.alice, proposal(t.bob, new UpdateProposal(leaf)));
        });
        c.both("Update leaf with an extension missing from its capabilities",
                GroupRule.LEAF_EXTENSION_NOT_IN_CAPABILITIES,
                () -> updateFromBob(p -> p.extensions(List.of(new Extension(UNKNOWN_EXTENSION, new byte[1])))));
        c.both("Update leaf with duplicate extension types", GroupRule.DUPLICATE_EXTENSION_TYPE,
                () -> updateFromBob(p -> p.extensions(List.of(new Extension(UNKNOWN_EXTENSION, new byte[1]),
                        new Extension(UNKNOWN_EXTENSION, new byte[2])))));
        c.both("Update leaf not listing its own credential type", GroupRule.LEAF_CREDENTIAL_TYPE_NOT_LISTED,
                () -> updateFromBob(p -> p.capabilities(KeyPackageCases.withCredentials(List.of(Credential.X509)))));

        // ---- PreSharedKey (§12.1.4) ------------------------------------------------------------
        c.both("PreSharedKey of a resumption PSK with usage reinit", GroupRule.PSK_USAGE, () -> {
            Trio t = Trio.create();
            return t.deliver(t.bob, proposal(t.alice, new PreSharedKeyProposal(new PreSharedKeyId.Resumption(
                    ResumptionPskUsage.REINIT, t.alice.groupId(), 1, new byte[SUITE.hashLength()]))));
        });
        c.both("PreSharedKey of a resumption PSK with usage branch", GroupRule.PSK_USAGE, () -> {
            Trio t = Trio.create();
            return t.deliver(t.bob, proposal(t.alice, new PreSharedKeyProposal(new PreSharedKeyId.Resumption(
                    ResumptionPskUsage.BRANCH, t.alice.groupId(), 1, new byte[SUITE.hashLength()]))));
        });
        c.both("PreSharedKey with a short nonce", ScheduleRule.PSK_NONCE_LENGTH,
                () -> fromAliceToBob(new PreSharedKeyProposal(new PreSharedKeyId.External(utf8("psk"), new byte[5]))));

        // ---- ReInit (§12.1.5) --------------------------------------------------------------------
        c.both("ReInit lowering the protocol version", GroupRule.REINIT_VERSION,
                () -> fromAliceToBob(new ReInitProposal(utf8("next"), 0,
                        CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.wire(), List.of())));
        c.both("ReInit with duplicate extension types", GroupRule.DUPLICATE_EXTENSION_TYPE,
                () -> fromAliceToBob(new ReInitProposal(utf8("next"), 1,
                        CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.wire(),
                        List.of(new Extension(UNKNOWN_EXTENSION, new byte[0]),
                                new Extension(UNKNOWN_EXTENSION, new byte[0])))));

        // ---- ExternalInit (§12.1.6) -----------------------------------------------------------
        c.both("ExternalInit sent as a proposal by a member", GroupRule.EXTERNAL_INIT_OUTSIDE_EXTERNAL_COMMIT,
                () -> fromAliceToBob(new ExternalInitProposal(freshHpkeKey().bytes())));

        // ---- GroupContextExtensions (§12.1.7, §11.1, §13.4) ------------------------------------
        c.both("GroupContextExtensions with an extension no member supports", GroupRule.GROUP_EXTENSIONS_UNSUPPORTED,
                () -> fromAliceToBob(new GroupContextExtensionsProposal(
                        List.of(new Extension(UNKNOWN_EXTENSION, new byte[0])))));
        c.both("GroupContextExtensions requiring a capability members lack", GroupRule.GROUP_EXTENSIONS_UNSUPPORTED,
                () -> fromAliceToBob(new GroupContextExtensionsProposal(List.of(new RequiredCapabilities(
                        List.of(), List.of(0x7F00), List.of()).toExtension()))));
        c.both("GroupContextExtensions with a malformed required_capabilities", GroupRule.GROUP_EXTENSION_MALFORMED,
                () -> fromAliceToBob(new GroupContextExtensionsProposal(
                        List.of(new Extension(ExtensionType.REQUIRED_CAPABILITIES, new byte[] {7, 1})))));
        c.both("GroupContextExtensions with a malformed external_senders", GroupRule.GROUP_EXTENSION_MALFORMED,
                () -> fromAliceToBob(new GroupContextExtensionsProposal(
                        List.of(new Extension(ExtensionType.EXTERNAL_SENDERS, new byte[] {3, 0, 1, 2})))));
        c.both("GroupContextExtensions with duplicate extension types", GroupRule.DUPLICATE_EXTENSION_TYPE,
                () -> fromAliceToBob(new GroupContextExtensionsProposal(List.of(
                        new Extension(ExtensionType.APPLICATION_ID, utf8("a")),
                        new Extension(ExtensionType.APPLICATION_ID, utf8("b"))))));
        c.both("GroupContextExtensions naming an external sender with an empty identity",
                CredentialRule.EMPTY_IDENTITY,
                () -> fromAliceToBob(new GroupContextExtensionsProposal(List.of(new ExternalSenders(List.of(
                        new ExternalSenders.ExternalSender(SUITE.generateSignatureKeyPair().publicKey(),
                                new Credential.Basic(new byte[0])))).toExtension()))));
        return c.cases();
    }

    private static MatrixCase.Attempt fromAliceToBob(Proposal proposal) {
        Trio t = Trio.create();
        return t.deliver(t.bob, proposal(t.alice, proposal));
    }

    /** An Update of bob whose leaf (fresh key, source update) is edited, then signed by bob; alice receives it. */
    private static MatrixCase.Attempt updateFromBob(UnaryOperator<LeafParts> edit) {
        Trio t = Trio.create();
        return t.deliver(t.alice, proposal(t.bob, new UpdateProposal(updateLeaf(t.bob, edit))));
    }
}
