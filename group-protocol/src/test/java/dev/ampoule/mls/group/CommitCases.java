package dev.ampoule.mls.group;

import static dev.ampoule.mls.group.Forge.byValue;
import static dev.ampoule.mls.group.Forge.commit;
import static dev.ampoule.mls.group.Forge.editPath;
import static dev.ampoule.mls.group.Forge.editPathLeaf;
import static dev.ampoule.mls.group.Forge.flipLast;
import static dev.ampoule.mls.group.Forge.freshHpkeKey;
import static dev.ampoule.mls.group.Forge.genuinePathCommit;
import static dev.ampoule.mls.group.Forge.key;
import static dev.ampoule.mls.group.Forge.leaf;
import static dev.ampoule.mls.group.Forge.recommit;
import static dev.ampoule.mls.group.Forge.ref;
import static dev.ampoule.mls.group.Forge.updateLeaf;
import static dev.ampoule.mls.group.Forge.withNode;
import static dev.ampoule.mls.group.TestClients.SUITE;
import static dev.ampoule.mls.group.TestClients.credential;
import static dev.ampoule.mls.group.TestClients.utf8;

import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.CryptoRule;
import dev.ampoule.mls.crypto.HpkeCiphertext;
import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.extension.RequiredCapabilities;
import dev.ampoule.mls.framing.Content;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.message.AddProposal;
import dev.ampoule.mls.message.Commit;
import dev.ampoule.mls.message.ExternalInitProposal;
import dev.ampoule.mls.message.GroupContextExtensionsProposal;
import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.mls.message.PreSharedKeyProposal;
import dev.ampoule.mls.message.ProposalOrRef;
import dev.ampoule.mls.message.ProposalRef;
import dev.ampoule.mls.message.ReInitProposal;
import dev.ampoule.mls.message.RemoveProposal;
import dev.ampoule.mls.message.UpdateProposal;
import dev.ampoule.mls.schedule.PreSharedKeyId;
import dev.ampoule.mls.schedule.ResumptionPskUsage;
import dev.ampoule.mls.schedule.ScheduleRule;
import dev.ampoule.mls.tree.LeafNodeSource;
import dev.ampoule.mls.treekem.TreeKemRule;
import dev.ampoule.mls.treekem.UpdatePath;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Commits of a member (RFC 9420 §12.2, §12.4.2) that break a proposal-list rule, reference what
 * they may not, lack a required path, carry a bad UpdatePath, or do not match the key schedule.
 * Alice's commit (forged with her real keys, or her genuine commit edited and signed again) goes
 * to bob and to the relay.
 */
final class CommitCases {

    private CommitCases() {}

    private static final PreSharedKeyId UNKNOWN_PSK =
            new PreSharedKeyId.External(utf8("nobody has it"), new byte[SUITE.hashLength()]);

    static List<MatrixCase> cases() {
        MatrixCase.Catalog c = new MatrixCase.Catalog("commits");

        // ---- references (§12.4) ----------------------------------------------------------------
        c.both("commit referencing a proposal never received", GroupRule.PROPOSAL_REF_UNKNOWN,
                () -> aliceToBob(t -> commit(t.alice,
                        List.of(new ProposalOrRef.ByReference(new ProposalRef(new byte[32]))), Optional.empty())));
        c.both("commit referencing a proposal of the previous epoch", GroupRule.PROPOSAL_REF_UNKNOWN, () -> {
            Trio t = Trio.create();
            MlsMessage old = t.carol.proposeRemove(1);
            t.share(old, t.carol);
            t.liveness();
            return t.deliver(t.bob, commit(t.alice, List.of(ref(old)), Optional.empty()));
        });

        // ---- the proposal list (§12.2) ---------------------------------------------------------
        c.both("commit carrying an Update of its committer by value", GroupRule.COMMIT_HAS_COMMITTER_UPDATE,
                () -> aliceToBob(t -> commit(t.alice, byValue(new UpdateProposal(updateLeaf(t.alice, p -> p))),
                        Optional.empty())));
        c.both("commit covering its committer's own Update proposal", GroupRule.COMMIT_HAS_COMMITTER_UPDATE, () -> {
            Trio t = Trio.create();
            MlsMessage update = t.alice.proposeUpdate();
            t.share(update, t.alice);
            return t.deliver(t.bob, commit(t.alice, List.of(ref(update)), Optional.empty()));
        });
        c.both("commit removing its committer", GroupRule.COMMIT_REMOVES_COMMITTER,
                () -> aliceToBob(t -> commit(t.alice, byValue(new RemoveProposal(0)), Optional.empty())));
        c.both("commit removing the same member twice", GroupRule.DUPLICATE_UPDATE_OR_REMOVE,
                () -> aliceToBob(t -> commit(t.alice, byValue(new RemoveProposal(2), new RemoveProposal(2)),
                        Optional.empty())));
        c.both("commit covering an Update and a Remove of the same member", GroupRule.DUPLICATE_UPDATE_OR_REMOVE,
                () -> {
                    Trio t = Trio.create();
                    MlsMessage update = t.bob.proposeUpdate();
                    t.share(update, t.bob);
                    List<ProposalOrRef> list = new ArrayList<>(List.of(ref(update)));
                    list.addAll(byValue(new RemoveProposal(1)));
                    return t.deliver(t.carol, commit(t.alice, list, Optional.empty()));
                });
        c.both("commit covering two Updates of the same member", GroupRule.DUPLICATE_UPDATE_OR_REMOVE, () -> {
            Trio t = Trio.create();
            MlsMessage first = t.bob.proposeUpdate();
            t.share(first, t.bob);
            MlsMessage second = t.bob.proposeUpdate();
            t.share(second, t.bob);
            return t.deliver(t.carol, commit(t.alice, List.of(ref(first), ref(second)), Optional.empty()));
        });
        c.both("commit adding the same KeyPackage twice", GroupRule.DUPLICATE_ADD, () -> aliceToBob(t -> {
            KeyPackage dave = TestClients.keyPackage("dave").keyPackage();
            return commit(t.alice, byValue(new AddProposal(dave), new AddProposal(dave)), Optional.empty());
        }));
        c.both("commit adding two KeyPackages with one signature key", GroupRule.DUPLICATE_ADD, () -> aliceToBob(t -> {
            var keys = SUITE.generateSignatureKeyPair();
            KeyPackage one = KeyPackageBundle.builder(SUITE, credential("dave"), keys).build().keyPackage();
            KeyPackage two = KeyPackageBundle.builder(SUITE, credential("dave"), keys).build().keyPackage();
            return commit(t.alice, byValue(new AddProposal(one), new AddProposal(two)), Optional.empty());
        }));
        c.both("commit adding a client that is already a member", GroupRule.ADD_EXISTING_MEMBER, () -> aliceToBob(t ->
                commit(t.alice, byValue(new AddProposal(KeyPackageBundle.builder(SUITE, credential("bob"),
                        t.bob.signatureKeys()).build().keyPackage())), Optional.empty())));
        c.both("commit adding a leaf whose encryption key is in the tree", GroupRule.ENCRYPTION_KEY_NOT_UNIQUE,
                () -> aliceToBob(t -> commit(t.alice, byValue(new AddProposal(Forge.keyPackageWithLeaf("dave",
                        p -> p.encryptionKey(leaf(t.carol).encryptionKey())))), Optional.empty())));
        c.both("commit adding two leaves with one encryption key", GroupRule.ENCRYPTION_KEY_NOT_UNIQUE,
                () -> aliceToBob(t -> {
                    KeyPackage dave = TestClients.keyPackage("dave").keyPackage();
                    KeyPackage erin = Forge.keyPackageWithLeaf("erin",
                            p -> p.encryptionKey(dave.leafNode().encryptionKey()));
                    return commit(t.alice, byValue(new AddProposal(dave), new AddProposal(erin)), Optional.empty());
                }));
        c.both("commit covering two Updates with one new encryption key", GroupRule.ENCRYPTION_KEY_NOT_UNIQUE, () -> {
            Trio t = Trio.create();
            MlsMessage bobUpdate = t.bob.proposeUpdate();
            t.share(bobUpdate, t.bob);
            UpdateProposal bobs = (UpdateProposal) ((Content.ProposalContent)
                    Forge.publicMessage(bobUpdate).content().content()).proposal();
            // Each Update is valid on its own; together they put one key at two leaves.
            MlsMessage carolUpdate = Forge.proposal(t.carol, new UpdateProposal(
                    updateLeaf(t.carol, p -> p.encryptionKey(bobs.leafNode().encryptionKey()))));
            t.share(carolUpdate, t.carol);
            return t.deliver(t.bob, commit(t.alice, List.of(ref(bobUpdate), ref(carolUpdate)), Optional.empty()));
        });
        c.both("commit requiring a capability of the member it adds", GroupRule.LEAF_REQUIRED_CAPABILITIES,
                () -> aliceToBob(t -> commit(t.alice, byValue(
                        new GroupContextExtensionsProposal(List.of(new RequiredCapabilities(List.of(), List.of(),
                                List.of(Credential.BASIC, Credential.X509)).toExtension())),
                        new AddProposal(KeyPackageBundle.builder(SUITE, credential("dave"),
                                SUITE.generateSignatureKeyPair()).capabilities(KeyPackageCases.withCredentials(
                                        List.of(Credential.BASIC))).build().keyPackage())), Optional.empty())));
        c.both("commit adding an expired KeyPackage", GroupRule.LEAF_LIFETIME, () -> aliceToBob(t ->
                commit(t.alice, byValue(new AddProposal(KeyPackageBundle.builder(SUITE, credential("dave"),
                        SUITE.generateSignatureKeyPair()).clock(Clock.offset(Clock.systemUTC(),
                        Duration.ofDays(-200))).build().keyPackage())), Optional.empty())));
        c.both("commit removing a blank leaf", GroupRule.REMOVE_BLANK_LEAF,
                () -> aliceToBob(t -> commit(t.alice, byValue(new RemoveProposal(3)), Optional.empty())));
        c.both("commit with the same PreSharedKey twice", GroupRule.DUPLICATE_PSK,
                () -> aliceToBob(t -> commit(t.alice, byValue(new PreSharedKeyProposal(UNKNOWN_PSK),
                        new PreSharedKeyProposal(UNKNOWN_PSK)), Optional.empty())));
        c.both("commit with two GroupContextExtensions", GroupRule.MULTIPLE_GROUP_CONTEXT_EXTENSIONS,
                () -> aliceToBob(t -> commit(t.alice, byValue(new GroupContextExtensionsProposal(List.of()),
                        new GroupContextExtensionsProposal(List.of())), Optional.empty())));
        c.both("commit with a ReInit and an Add", GroupRule.REINIT_NOT_ALONE, () -> aliceToBob(t ->
                commit(t.alice, byValue(new ReInitProposal(utf8("next"), 1,
                        CipherSuiteId.MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519.wire(), List.of()),
                        new AddProposal(TestClients.keyPackage("dave").keyPackage())), Optional.empty())));
        c.both("member commit with an ExternalInit", GroupRule.EXTERNAL_INIT_OUTSIDE_EXTERNAL_COMMIT,
                () -> aliceToBob(t -> commit(t.alice, byValue(new ExternalInitProposal(freshHpkeKey().bytes())),
                        Optional.empty())));
        c.both("commit with a PreSharedKey of usage reinit", GroupRule.PSK_USAGE, () -> aliceToBob(t ->
                commit(t.alice, byValue(new PreSharedKeyProposal(new PreSharedKeyId.Resumption(
                        ResumptionPskUsage.REINIT, t.alice.groupId(), 1, new byte[SUITE.hashLength()]))),
                        Optional.empty())));
        c.both("commit with GroupContextExtensions no member supports", GroupRule.GROUP_EXTENSIONS_UNSUPPORTED,
                () -> aliceToBob(t -> commit(t.alice, byValue(new GroupContextExtensionsProposal(
                        List.of(new Extension(ProposalCases.UNKNOWN_EXTENSION, new byte[0])))), Optional.empty())));

        // ---- the path requirement (§12.4) ------------------------------------------------------
        c.both("empty commit without a path", GroupRule.PATH_REQUIRED,
                () -> aliceToBob(t -> commit(t.alice, List.of(), Optional.empty())));
        c.both("commit with a Remove and no path", GroupRule.PATH_REQUIRED,
                () -> aliceToBob(t -> commit(t.alice, byValue(new RemoveProposal(2)), Optional.empty())));
        c.both("commit with GroupContextExtensions and no path", GroupRule.PATH_REQUIRED,
                () -> aliceToBob(t -> commit(t.alice, byValue(new GroupContextExtensionsProposal(List.of())),
                        Optional.empty())));
        c.both("commit covering an Update without a path", GroupRule.PATH_REQUIRED, () -> {
            Trio t = Trio.create();
            MlsMessage update = t.bob.proposeUpdate();
            t.share(update, t.bob);
            return t.deliver(t.carol, commit(t.alice, List.of(ref(update)), Optional.empty()));
        });

        // ---- the UpdatePath (§7.3, §7.5, §7.6, §12.4.2) ---------------------------------------------
        c.both("path leaf with source update", GroupRule.LEAF_SOURCE, () -> pathEdit((t, p) ->
                editPathLeaf(p, l -> l.source(new LeafNodeSource.Update()), key(t.alice), t.alice.groupId(), 0)));
        c.both("path leaf presenting another identity", GroupRule.CREDENTIAL_NOT_SUCCESSOR, () -> pathEdit((t, p) ->
                editPathLeaf(p, l -> l.credential(credential("mallory")), key(t.alice), t.alice.groupId(), 0)));
        c.both("path leaf with an extension missing from its capabilities", GroupRule.LEAF_EXTENSION_NOT_IN_CAPABILITIES,
                () -> pathEdit((t, p) -> editPathLeaf(p, l -> l.extensions(List.of(
                        new Extension(ProposalCases.UNKNOWN_EXTENSION, new byte[0]))), key(t.alice),
                        t.alice.groupId(), 0)));
        c.both("path leaf with a corrupted signature", TreeKemRule.LEAF_SIGNATURE_INVALID, () -> pathEdit((t, p) ->
                new UpdatePath(p.leafNode().withSignature(flipLast(p.leafNode().signature())), p.nodes())));
        c.both("path leaf taking another member's signature key", TreeKemRule.SIGNATURE_KEY_IN_USE,
                () -> pathEdit((t, p) -> editPathLeaf(p, l -> l.signatureKey(leaf(t.carol).signatureKey()),
                        key(t.carol), t.alice.groupId(), 0)));
        c.both("path leaf keeping the committer's encryption key", TreeKemRule.PUBLIC_KEY_IN_USE,
                () -> pathEdit((t, p) -> editPathLeaf(p, l -> l.encryptionKey(leaf(t.alice).encryptionKey()),
                        key(t.alice), t.alice.groupId(), 0)));
        c.both("path node with another member's encryption key", TreeKemRule.PUBLIC_KEY_IN_USE, () -> pathEdit(
                (t, p) -> withNode(p, 0, new UpdatePath.UpdatePathNode(leaf(t.carol).encryptionKey(),
                        p.nodes().get(0).encryptedPathSecret()))));
        c.both("path with a node missing", TreeKemRule.PATH_LENGTH_MISMATCH, () -> pathEdit((t, p) ->
                new UpdatePath(p.leafNode(), p.nodes().subList(0, p.nodes().size() - 1))));
        c.both("path node with a ciphertext missing", TreeKemRule.CIPHERTEXT_COUNT_MISMATCH, () -> pathEdit((t, p) ->
                withNode(p, 0, new UpdatePath.UpdatePathNode(p.nodes().get(0).encryptionKey(), List.of()))));
        c.both("path node with a replaced public key", TreeKemRule.PARENT_HASH_MISMATCH, () -> pathEdit((t, p) ->
                withNode(p, p.nodes().size() - 1, new UpdatePath.UpdatePathNode(freshHpkeKey(),
                        p.nodes().get(p.nodes().size() - 1).encryptedPathSecret()))));
        c.relayAccepts("path with corrupted ciphertexts", CryptoRule.HPKE_OPEN_FAILED, () -> pathEdit((t, p) -> {
            List<UpdatePath.UpdatePathNode> nodes = new ArrayList<>();
            for (UpdatePath.UpdatePathNode n : p.nodes()) {
                List<HpkeCiphertext> cts = n.encryptedPathSecret().stream()
                        .map(ct -> new HpkeCiphertext(ct.kemOutput(), flipLast(ct.ciphertext()))).toList();
                nodes.add(new UpdatePath.UpdatePathNode(n.encryptionKey(), cts));
            }
            return new UpdatePath(p.leafNode(), nodes);
        }));

        // ---- the key schedule (§8, §12.4.2): only members can tell ------------------------------
        c.relayAccepts("commit with a wrong confirmation tag", ScheduleRule.CONFIRMATION_TAG_MISMATCH, () -> {
            Trio t = Trio.create();
            MlsMessage genuine = genuinePathCommit(t.alice);
            byte[] tag = Forge.publicMessage(genuine).auth().confirmationTag().orElseThrow();
            return t.deliver(t.bob, Forge.withConfirmationTag(t.alice, genuine, flipLast(tag)));
        });
        c.relayAccepts("commit injecting an external PSK the member lacks", GroupRule.PSK_UNAVAILABLE,
                () -> aliceToBob(t -> commit(t.alice, byValue(new PreSharedKeyProposal(UNKNOWN_PSK)), Optional.empty())));
        c.relayAccepts("commit injecting the resumption PSK of an epoch not retained", GroupRule.PSK_UNAVAILABLE,
                () -> aliceToBob(t -> commit(t.alice, byValue(new PreSharedKeyProposal(new PreSharedKeyId.Resumption(
                        ResumptionPskUsage.APPLICATION, t.alice.groupId(), 77, new byte[SUITE.hashLength()]))),
                        Optional.empty())));
        return c.cases();
    }

    /** A commit of alice built on a fresh trio, delivered to bob and the relay. */
    private static MatrixCase.Attempt aliceToBob(Function<Trio, MlsMessage> commit) {
        Trio t = Trio.create();
        return t.deliver(t.bob, commit.apply(t));
    }

    @FunctionalInterface
    private interface PathEdit {
        UpdatePath edit(Trio t, UpdatePath path);
    }

    /** Alice's genuine empty commit with its path edited, signed again by her, to bob and the relay. */
    private static MatrixCase.Attempt pathEdit(PathEdit edit) {
        Trio t = Trio.create();
        MlsMessage genuine = genuinePathCommit(t.alice);
        UnaryOperator<Commit> e = commit -> editPath(commit, p -> edit.edit(t, p));
        return t.deliver(t.bob, recommit(t.alice, genuine, e));
    }
}
