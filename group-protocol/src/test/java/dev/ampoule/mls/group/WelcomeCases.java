package dev.ampoule.mls.group;

import static dev.ampoule.mls.group.Forge.flipLast;
import static dev.ampoule.mls.group.Forge.key;
import static dev.ampoule.mls.group.Forge.resign;
import static dev.ampoule.mls.group.Forge.rewelcome;
import static dev.ampoule.mls.group.Forge.withContext;
import static dev.ampoule.mls.group.Forge.withExtensions;
import static dev.ampoule.mls.group.TestClients.CONFIG;
import static dev.ampoule.mls.group.TestClients.SUITE;
import static dev.ampoule.mls.group.TestClients.utf8;

import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.credential.CredentialRule;
import dev.ampoule.mls.crypto.CryptoRule;
import dev.ampoule.mls.crypto.HpkeCiphertext;
import dev.ampoule.mls.crypto.Secret;
import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.extension.ExtensionType;
import dev.ampoule.mls.group.Forge.LeafParts;
import dev.ampoule.mls.group.MatrixCase.Attempt;
import dev.ampoule.mls.message.EncryptedGroupSecrets;
import dev.ampoule.mls.message.GroupInfo;
import dev.ampoule.mls.message.GroupSecrets;
import dev.ampoule.mls.message.MessageRule;
import dev.ampoule.mls.message.PathSecret;
import dev.ampoule.mls.message.Welcome;
import dev.ampoule.mls.schedule.GroupContext;
import dev.ampoule.mls.schedule.JoinerSecret;
import dev.ampoule.mls.schedule.PreSharedKeyId;
import dev.ampoule.mls.schedule.ResumptionPskUsage;
import dev.ampoule.mls.schedule.ScheduleRule;
import dev.ampoule.mls.tree.LeafNode;
import dev.ampoule.mls.tree.RatchetTree;
import dev.ampoule.mls.tree.TreeRule;
import dev.ampoule.mls.treekem.TreeKemRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;
import java.util.function.UnaryOperator;

/**
 * Welcomes that must not let a client join (RFC 9420 §12.4.3.1): not for its KeyPackage, wrong
 * suite, secrets or GroupInfo that do not open or decode, a GroupInfo with a bad signature, signer,
 * tree, tree hash or confirmation tag, missing PSKs, resumption PSKs out of place. The joiner
 * (dave) is refused; his KeyPackage's keys survive, and he joins from the genuine Welcome
 * afterwards. Welcomes are not the Delivery Service's to validate.
 */
final class WelcomeCases {

    private WelcomeCases() {}

    /** A trio where alice's pending commit adds dave, and its genuine Welcome. */
    private record Join(Trio t, KeyPackageBundle dave, PendingCommit add, Welcome genuine) {

        static Join of(Trio t, CommitOptions.Builder options) {
            KeyPackageBundle dave = TestClients.keyPackage("dave");
            PendingCommit add = t.alice.commit(options.add(dave.keyPackage()).build());
            return new Join(t, dave, add, TestClients.welcome(add));
        }

        static Join of() {
            return of(Trio.create(), CommitOptions.builder());
        }

        /** Dave joins from {@code bad} (tree out of band if given) and is refused. */
        Attempt refuse(Welcome bad, Optional<RatchetTree> tree, PskLookup psks) {
            return t.local(() -> Group.join(t.config, bad, dave, tree, psks))
                    .then(() -> t.joinsAfterAll(add, dave, tree.isPresent(), psks));
        }

        Attempt refuse(Welcome bad) {
            return refuse(bad, Optional.empty(), t.config.pskLookup());
        }

        /** The genuine Welcome with its GroupInfo edited (then signed again by alice unless told). */
        Attempt refuseInfo(UnaryOperator<GroupInfo> edit) {
            return refuse(rewelcome(genuine, dave, edit, s -> s));
        }

        /** The genuine Welcome with dave's GroupSecrets edited. */
        Attempt refuseSecrets(UnaryOperator<GroupSecrets> edit) {
            return refuse(rewelcome(genuine, dave, i -> i, edit));
        }
    }

    /** {@code info}'s ratchet tree edited, the GroupContext's tree hash set to the new tree's, signed again. */
    private static GroupInfo withTree(Join j, GroupInfo info, BiFunction<Join, RatchetTree, RatchetTree> edit) {
        RatchetTree tree = RatchetTree.decode(SUITE, info.extension(ExtensionType.RATCHET_TREE).orElseThrow().data());
        RatchetTree edited = edit.apply(j, tree.copy());
        List<Extension> extensions = new ArrayList<>();
        for (Extension e : info.extensions()) {
            extensions.add(e.type() == ExtensionType.RATCHET_TREE
                    ? new Extension(ExtensionType.RATCHET_TREE, edited.toBytes()) : e);
        }
        GroupInfo changed = withExtensions(withContext(info, info.groupContext().withTreeHash(edited.treeHash())),
                extensions);
        return resign(changed, key(j.t().alice));
    }

    /** Carol's leaf (source key_package) edited and signed again with {@code key}. */
    private static RatchetTree withCarol(Join j, RatchetTree tree, UnaryOperator<LeafParts> edit) {
        LeafNode carol = tree.leaf(2).orElseThrow();
        tree.update(2, edit.apply(LeafParts.of(carol)).sign(key(j.t().carol), j.t().alice.groupId(), 2));
        return tree;
    }

    static List<MatrixCase> cases() {
        MatrixCase.Catalog c = new MatrixCase.Catalog("welcome and join");

        // ---- the Welcome and its GroupSecrets (§12.4.3.1) ----------------------------------------
        c.member("Welcome without an entry for our KeyPackage", MessageRule.WELCOME_NOT_FOR_US, () -> {
            Join j = Join.of();
            return j.refuse(new Welcome(j.genuine().cipherSuite(), List.of(), j.genuine().encryptedGroupInfo()));
        });
        c.member("Welcome for another cipher suite", MessageRule.WELCOME_CIPHER_SUITE, () -> {
            Join j = Join.of();
            return j.refuse(new Welcome(2, j.genuine().secrets(), j.genuine().encryptedGroupInfo()));
        });
        c.member("Welcome entry whose HPKE ciphertext is corrupted", CryptoRule.HPKE_OPEN_FAILED, () -> {
            Join j = Join.of();
            EncryptedGroupSecrets e = j.genuine().secrets().get(0);
            HpkeCiphertext ct = e.encryptedGroupSecrets();
            return j.refuse(new Welcome(j.genuine().cipherSuite(), List.of(new EncryptedGroupSecrets(e.newMember(),
                    new HpkeCiphertext(ct.kemOutput(), flipLast(ct.ciphertext())))), j.genuine().encryptedGroupInfo()));
        });
        c.member("Welcome entry whose GroupSecrets do not decode", MatrixCase.Malformed.DECODE, () -> {
            Join j = Join.of();
            HpkeCiphertext junk = SUITE.encryptWithLabel(j.dave().keyPackage().initKey(), Welcome.ENCRYPT_LABEL,
                    j.genuine().encryptedGroupInfo(), utf8("not group secrets"));
            return j.refuse(new Welcome(j.genuine().cipherSuite(), List.of(new EncryptedGroupSecrets(
                    j.dave().ref(), junk)), j.genuine().encryptedGroupInfo()));
        });
        c.member("Welcome whose GroupInfo does not open with the joiner secret", CryptoRule.AEAD_OPEN_FAILED, () ->
                Join.of().refuseSecrets(s -> new GroupSecrets(new JoinerSecret(SUITE.randomBytes(SUITE.hashLength())),
                        s.pathSecret(), s.psks())));
        c.member("Welcome naming an external PSK the joiner lacks", GroupRule.PSK_UNAVAILABLE, () -> {
            byte[] pskId = utf8("ward-psk");
            GroupConfig config = CONFIG.toBuilder().pskLookup(PskLookup.of(List.of(
                    new PskLookup.ExternalPsk(pskId, Secret.copyOf(utf8("shared secret")))))).build();
            Join j = Join.of(Trio.builder().config(config).build(), CommitOptions.builder().externalPsk(pskId));
            return j.t().local(() -> Group.join(config, j.genuine(), j.dave(), Optional.empty(), PskLookup.none()))
                    .then(() -> j.t().joinsAfterAll(j.add(), j.dave(), false, config.pskLookup()));
        });
        c.member("Welcome with two resumption PSKs of usage reinit", GroupRule.WELCOME_PSK_REINIT_OR_BRANCH, () -> {
            Join j = Join.of();
            byte[] groupId = j.t().alice.groupId();
            return j.refuseSecrets(s -> new GroupSecrets(s.joinerSecret(), s.pathSecret(), List.of(
                    new PreSharedKeyId.Resumption(ResumptionPskUsage.REINIT, groupId, 1, new byte[SUITE.hashLength()]),
                    new PreSharedKeyId.Resumption(ResumptionPskUsage.BRANCH, groupId, 1,
                            new byte[SUITE.hashLength()]))));
        });
        c.member("Welcome PSK with a short nonce", ScheduleRule.PSK_NONCE_LENGTH, () -> Join.of().refuseSecrets(s ->
                new GroupSecrets(s.joinerSecret(), s.pathSecret(), List.of(
                        new PreSharedKeyId.External(utf8("psk"), new byte[3])))));
        c.member("Welcome path secret that does not match the tree", TreeKemRule.PRIVATE_KEY_MISMATCH, () -> {
            Join j = Join.of(Trio.create(), CommitOptions.builder().forcePath(true));
            return j.refuseSecrets(s -> new GroupSecrets(s.joinerSecret(),
                    Optional.of(new PathSecret(SUITE.randomBytes(SUITE.hashLength()))), s.psks()));
        });
        c.member("plain Welcome used to join a resumed group", GroupRule.RESUMPTION_MISMATCH, () -> {
            Join j = Join.of();
            return j.t().local(() -> j.t().bob.joinResumed(CONFIG, j.genuine(), j.dave(), Optional.empty()))
                    .then(() -> j.t().joinsAfterAll(j.add(), j.dave(), false, CONFIG.pskLookup()));
        });
        c.member("branch Welcome adding a client that was not a member", GroupRule.RESUMPTION_MISMATCH, () -> {
            Trio t = Trio.create();
            KeyPackageBundle bob2 = TestClients.keyPackage("bob");
            ResumedGroup sub = t.alice.branch(CONFIG, utf8("subgroup"), List.of(bob2.keyPackage(),
                    TestClients.keyPackage("mallory").keyPackage()));
            return t.local(() -> t.bob.joinResumed(CONFIG, TestClients.welcome(sub.commit()), bob2, Optional.empty()));
        });

        // ---- the GroupInfo (§12.4.3, §12.4.3.1) --------------------------------------------------
        c.member("GroupInfo with a corrupted signature", MessageRule.GROUP_INFO_SIGNATURE, () -> Join.of().refuseInfo(
                i -> new GroupInfo(i.groupContext(), i.extensions(), i.confirmationTag(), i.signer(),
                        flipLast(i.signature()))));
        c.member("GroupInfo naming a signer who did not sign", MessageRule.GROUP_INFO_SIGNATURE, () -> {
            Join j = Join.of();
            return j.refuseInfo(i -> resign(new GroupInfo(i.groupContext(), i.extensions(), i.confirmationTag(), 1,
                    new byte[0]), key(j.t().alice)));
        });
        c.member("GroupInfo signer outside the tree", GroupRule.GROUP_INFO_SIGNER_BLANK, () -> {
            Join j = Join.of();
            return j.refuseInfo(i -> resign(new GroupInfo(i.groupContext(), i.extensions(), i.confirmationTag(), 9,
                    new byte[0]), key(j.t().alice)));
        });
        c.member("GroupInfo with duplicate extension types", GroupRule.DUPLICATE_EXTENSION_TYPE, () -> {
            Join j = Join.of();
            return j.refuseInfo(i -> {
                List<Extension> twice = new ArrayList<>(i.extensions());
                twice.add(new Extension(ExtensionType.APPLICATION_ID, utf8("a")));
                twice.add(new Extension(ExtensionType.APPLICATION_ID, utf8("b")));
                return resign(withExtensions(i, twice), key(j.t().alice));
            });
        });
        c.member("GroupInfo of another cipher suite", MessageRule.GROUP_INFO_CIPHER_SUITE, () -> {
            Join j = Join.of();
            return j.refuseInfo(i -> {
                GroupContext g = i.groupContext();
                return resign(withContext(i, new GroupContext(3, g.groupId(), g.epoch(), g.treeHash(),
                        g.confirmedTranscriptHash(), g.extensions())), key(j.t().alice));
            });
        });
        c.member("GroupInfo with a wrong confirmation tag", ScheduleRule.CONFIRMATION_TAG_MISMATCH, () -> {
            Join j = Join.of();
            return j.refuseInfo(i -> resign(new GroupInfo(i.groupContext(), i.extensions(),
                    flipLast(i.confirmationTag()), i.signer(), new byte[0]), key(j.t().alice)));
        });
        c.member("GroupInfo whose GroupContext has another tree hash", GroupRule.TREE_HASH_MISMATCH, () -> {
            Join j = Join.of();
            return j.refuseInfo(i -> resign(withContext(i, i.groupContext().withTreeHash(
                    flipLast(i.groupContext().treeHash()))), key(j.t().alice)));
        });

        // ---- the ratchet tree (§12.4.3.1, §12.4.3.3) -----------------------------------------------
        c.member("Welcome without a ratchet tree, none given", GroupRule.RATCHET_TREE_MISSING, () -> {
            Join j = Join.of(Trio.create(), CommitOptions.builder().ratchetTreeInWelcome(false));
            return j.t().local(() -> Group.join(CONFIG, j.genuine(), j.dave(), Optional.empty()))
                    .then(() -> j.t().joinsAfterAll(j.add(), j.dave(), true, CONFIG.pskLookup()));
        });
        c.member("tree given out of band that is not the group's", GroupRule.TREE_HASH_MISMATCH, () -> {
            Join j = Join.of(Trio.create(), CommitOptions.builder().ratchetTreeInWelcome(false));
            return j.refuse(j.genuine(), Optional.of(j.t().alice.publicGroup().tree()), CONFIG.pskLookup());
        });
        c.member("ratchet_tree extension that does not decode", MatrixCase.Malformed.DECODE, () -> {
            Join j = Join.of();
            return j.refuseInfo(i -> {
                List<Extension> extensions = new ArrayList<>();
                for (Extension e : i.extensions()) {
                    extensions.add(e.type() == ExtensionType.RATCHET_TREE
                            ? new Extension(ExtensionType.RATCHET_TREE, new byte[] {9, 9, 9}) : e);
                }
                return resign(withExtensions(i, extensions), key(j.t().alice));
            });
        });
        c.member("tree with a corrupted leaf signature", TreeRule.LEAF_SIGNATURE_INVALID, () -> {
            Join j = Join.of();
            return j.refuseInfo(i -> withTree(j, i, (jj, tree) -> {
                LeafNode carol = tree.leaf(2).orElseThrow();
                tree.update(2, carol.withSignature(flipLast(carol.signature())));
                return tree;
            }));
        });
        c.member("tree with an encryption key twice", TreeRule.DUPLICATE_ENCRYPTION_KEY, () -> {
            Join j = Join.of();
            return j.refuseInfo(i -> withTree(j, i, (jj, tree) -> withCarol(jj, tree,
                    p -> p.encryptionKey(tree.leaf(1).orElseThrow().encryptionKey()))));
        });
        c.member("tree with a parent node whose key was replaced", TreeRule.PARENT_HASH_INVALID, () -> {
            Join j = Join.of(Trio.builder().pathInFirstCommit().build(), CommitOptions.builder());
            return j.refuseInfo(i -> withTree(j, i, (jj, tree) -> {
                byte[] old = tree.parentNode(1).orElseThrow().encryptionKey().bytes();
                return RatchetTree.decode(SUITE, Forge.replace(tree.toBytes(), old, Forge.freshHpkeKey().bytes()));
            }));
        });
        c.member("tree with a member credential the Authentication Service refuses", CredentialRule.EMPTY_IDENTITY,
                () -> {
                    Join j = Join.of();
                    return j.refuseInfo(i -> withTree(j, i, (jj, tree) -> withCarol(jj, tree,
                            p -> p.credential(new Credential.Basic(new byte[0])))));
                });
        c.member("Welcome whose tree lacks the joiner's leaf", GroupRule.WELCOME_LEAF_NOT_FOUND, () -> {
            Join j = Join.of();
            // A Welcome sealed for dave around the current epoch's GroupInfo, whose tree is without him.
            JoinerSecret js = new JoinerSecret(SUITE.randomBytes(SUITE.hashLength()));
            Welcome bad = Forge.seal(j.t().alice.groupInfo(true), j.dave(), js,
                    new GroupSecrets(js, Optional.empty(), List.of()));
            return j.refuse(bad);
        });
        return c.cases();
    }
}
