package dev.ampoule.mls.group;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.HpkeKeyPair;
import dev.ampoule.mls.crypto.HpkePrivateKey;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.message.GroupInfo;
import dev.ampoule.mls.message.GroupSecrets;
import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.mls.message.MessageRule;
import dev.ampoule.mls.message.Welcome;
import dev.ampoule.mls.schedule.EpochSecrets;
import dev.ampoule.mls.schedule.GroupContext;
import dev.ampoule.mls.schedule.KeySchedule;
import dev.ampoule.mls.schedule.PreSharedKeyId;
import dev.ampoule.mls.schedule.PreSharedKeys;
import dev.ampoule.mls.schedule.PskInput;
import dev.ampoule.mls.schedule.PskSecret;
import dev.ampoule.mls.schedule.ResumptionPskUsage;
import dev.ampoule.mls.schedule.WelcomeSecret;
import dev.ampoule.mls.tree.LeafNode;
import dev.ampoule.mls.tree.RatchetTree;
import dev.ampoule.mls.tree.TreeMath;
import dev.ampoule.mls.treekem.PathSecret;
import dev.ampoule.mls.treekem.TreeKemPrivate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** Joining a group from a Welcome (RFC 9420 §12.4.3.1). */
final class Joining {

    private Joining() {}

    /** A check of a group joined with a resumption PSK of usage reinit or branch (§11.2, §11.3). */
    @FunctionalInterface
    interface ResumptionCheck {
        void check(PreSharedKeyId.Resumption psk, PublicState joined);
    }

    static Group join(GroupConfig config, Welcome welcome, KeyPackageBundle bundle, Optional<RatchetTree> ratchetTree,
            PskLookup lookup) {
        return join(config, welcome, bundle, ratchetTree, lookup, Optional.empty());
    }

    /**
     * Joins from a Welcome; with {@code resumption}, the Welcome must carry a resumption PSK of
     * usage reinit or branch, which the check then accepts or refuses.
     */
    static Group join(GroupConfig config, Welcome welcome, KeyPackageBundle bundle, Optional<RatchetTree> ratchetTree,
            PskLookup lookup, Optional<ResumptionCheck> resumption) {
        CipherSuite suite = bundle.suite();
        KeyPackage kp = bundle.keyPackage();
        GroupSecrets secrets = welcome.decryptGroupSecrets(suite, kp, bundle.initKeyPair());
        PskSecret psk = null;
        TreeKemPrivate privateTree = null;
        EpochSecrets epochSecrets = null;
        try {
            Optional<PreSharedKeyId.Resumption> reInitOrBranch = reInitOrBranch(secrets.psks());
            if (resumption.isPresent() && reInitOrBranch.isEmpty()) {
                throw new ValidationException(GroupRule.RESUMPTION_MISMATCH, "no reinit or branch PSK");
            }
            psk = pskSecret(suite, secrets.psks(), lookup);
            GroupInfo groupInfo;
            try (WelcomeSecret welcomeSecret = KeySchedule.welcomeSecret(suite, secrets.joinerSecret(), psk)) {
                groupInfo = welcome.decryptGroupInfo(suite, welcomeSecret);
            }
            GroupContext context = groupInfo.groupContext();
            if (context.cipherSuite() != kp.cipherSuite()) {
                throw new ValidationException(MessageRule.GROUP_INFO_CIPHER_SUITE, "suite " + context.cipherSuite());
            }
            if (reInitOrBranch.isPresent() && context.epoch() != 1) {
                throw new ValidationException(GroupRule.WELCOME_PSK_REINIT_OR_BRANCH, "epoch " + context.epoch());
            }
            PublicState pub = PublicState.fromGroupInfo(config, groupInfo, ratchetTree);
            if (resumption.isPresent()) {
                resumption.get().check(reInitOrBranch.get(), pub);
            }
            RatchetTree tree = pub.tree();
            LeafNode own = kp.leafNode();
            OptionalInt ownLeaf = tree.leafWithSignatureKey(own.signatureKey());
            if (ownLeaf.isEmpty() || !tree.leaf(ownLeaf.getAsInt()).orElseThrow().equals(own)) {
                throw new ValidationException(GroupRule.WELCOME_LEAF_NOT_FOUND);
            }
            int leaf = ownLeaf.getAsInt();
            HpkeKeyPair leafKey = bundle.encryptionKeyPair();
            // The group owns (and eventually destroys) its own copy: a last-resort KeyPackage's key
            // may serve several groups.
            privateTree = TreeKemPrivate.of(leaf, new HpkeKeyPair(new HpkePrivateKey(leafKey.privateKey().copy()),
                    leafKey.publicKey()));
            if (secrets.pathSecret().isPresent()) {
                int ancestor = TreeMath.commonAncestor(TreeMath.leafToNode(leaf),
                        TreeMath.leafToNode(groupInfo.signer()));
                try (PathSecret pathSecret = new PathSecret(secrets.pathSecret().get().copy())) {
                    privateTree = privateTree.withPathSecretChain(suite, tree, ancestor, pathSecret);
                }
            }
            epochSecrets = KeySchedule.epochSecrets(suite, secrets.joinerSecret(), psk, context);
            epochSecrets.verifyConfirmationTag(context.confirmedTranscriptHash(), groupInfo.confirmationTag());
            Group group = new Group(config, bundle.signatureKeyPair(),
                    EpochState.started(config, pub, leaf, privateTree, epochSecrets));
            if (!bundle.isLastResort()) {
                bundle.destroy();
            }
            return group;
        } catch (RuntimeException e) {
            if (epochSecrets != null) {
                epochSecrets.destroy();
            }
            if (privateTree != null) {
                privateTree.destroy();
            }
            throw e;
        } finally {
            secrets.destroy();
            if (psk != null) {
                psk.destroy();
            }
        }
    }

    /** The resumption PSK of usage reinit or branch, of which there may be one at most (§12.4.3.1). */
    private static Optional<PreSharedKeyId.Resumption> reInitOrBranch(List<PreSharedKeyId> psks) {
        List<PreSharedKeyId.Resumption> found = new ArrayList<>();
        for (PreSharedKeyId id : psks) {
            if (id instanceof PreSharedKeyId.Resumption r && r.usage() != ResumptionPskUsage.APPLICATION) {
                found.add(r);
            }
        }
        if (found.size() > 1) {
            throw new ValidationException(GroupRule.WELCOME_PSK_REINIT_OR_BRANCH, found.size() + " found");
        }
        return found.stream().findFirst();
    }

    /** A joiner's psk_secret: every PSK comes from {@code lookup} (it has no past epochs). */
    private static PskSecret pskSecret(CipherSuite suite, List<PreSharedKeyId> ids, PskLookup lookup) {
        List<PskInput> inputs = new ArrayList<>(ids.size());
        for (PreSharedKeyId id : ids) {
            id.checkNonceLength(suite);
            var psk = switch (id) {
                case PreSharedKeyId.External e -> lookup.externalPsk(e.pskId());
                case PreSharedKeyId.Resumption r -> lookup.resumptionPsk(r.pskGroupId(), r.pskEpoch());
            };
            inputs.add(new PskInput(id, psk.orElseThrow(
                    () -> new ValidationException(GroupRule.PSK_UNAVAILABLE, id.toString()))));
        }
        return inputs.isEmpty() ? PreSharedKeys.none(suite) : PreSharedKeys.pskSecret(suite, inputs);
    }
}
