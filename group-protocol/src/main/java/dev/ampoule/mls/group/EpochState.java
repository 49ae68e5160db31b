package dev.ampoule.mls.group;

import dev.ampoule.mls.crypto.HpkeKeyPair;
import dev.ampoule.mls.crypto.HpkePublicKey;
import dev.ampoule.mls.crypto.Secret;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.framing.AuthenticatedContent;
import dev.ampoule.mls.group.EpochArchive.PastEpoch;
import dev.ampoule.mls.message.ReInitProposal;
import dev.ampoule.mls.schedule.EpochSecrets;
import dev.ampoule.mls.schedule.PreSharedKeyId;
import dev.ampoule.mls.schedule.PreSharedKeys;
import dev.ampoule.mls.schedule.PskInput;
import dev.ampoule.mls.schedule.PskSecret;
import dev.ampoule.mls.schedule.ResumptionPsk;
import dev.ampoule.mls.schedule.ResumptionPskUsage;
import dev.ampoule.mls.schedule.SecretTree;
import dev.ampoule.mls.schedule.SenderDataSecret;
import dev.ampoule.mls.treekem.TreeKemPrivate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Everything a member {@link Group} knows in one epoch, as one immutable value: the public state
 * (with the epoch's proposals), this member's status and leaf, its private tree keys, the epoch's
 * secrets and secret tree, the ReInit of the Commit that started the epoch, the leaf keys of its own
 * Update proposals, its pending Commit, the retained past epochs and resumption PSKs.
 *
 * <p>A group holds one value and replaces it in one assignment, after everything that can fail has
 * been computed: a refused operation leaves the group as it was by construction. The transitions
 * return new values ({@link #withProposal}, {@link #withPending}, {@link #entering}, …); once the
 * group holds the new value, {@link #retire} destroys every secret the old value holds and the new
 * one does not (the secrets a value points to are zeroed when no current value holds them; its
 * references never change).
 *
 * <p><b>The ratchets are the exception, on purpose.</b> Forward secrecy (RFC 9420 §9.2) requires
 * consuming a key as soon as a message is decrypted or sent, whatever happens to the epoch state
 * afterwards, so the epoch's {@link SecretTree} (and each past epoch's) is a mutable structure owned
 * by this value and shared, unchanged as a reference, by the values derived from it within the
 * epoch. It has its own all-or-nothing rule: {@link SecretTree#open} consumes a generation only when
 * the decryption using it succeeds, so a refused message leaves the tree — and the saved state —
 * as it was; {@link SecretTree#next} consumes one generation per message sent, even when the
 * sending operation fails afterwards. The {@link EpochSecrets} of a new epoch give up their
 * encryption secret to the secret tree when the epoch is entered ({@link #entering}).
 *
 * @param privateTree null when this member holds no private state (removed, or joining externally)
 * @param epochSecrets null when this member cannot read the current epoch (removed, or joining
 *     externally); then {@code secretTree} is null too
 * @param updateKeys the leaf key pairs of this member's own Update proposals of the epoch, by public key
 */
record EpochState(PublicState pub, Group.Status status, int ownLeaf, TreeKemPrivate privateTree,
        EpochSecrets epochSecrets, SecretTree secretTree, Optional<ReInitProposal> reInit,
        Map<HpkePublicKey, HpkeKeyPair> updateKeys, Optional<PendingCommit> pending, EpochArchive archive,
        ResumptionPsks resumptionPsks) {

    EpochState {
        updateKeys = Collections.unmodifiableMap(new LinkedHashMap<>(updateKeys));
    }

    /**
     * The first epoch of a member that created or joined the group: active, no history but this
     * epoch's resumption PSK. {@code secrets} give their encryption secret to the new secret tree.
     */
    static EpochState started(GroupConfig config, PublicState pub, int ownLeaf, TreeKemPrivate privateTree,
            EpochSecrets secrets) {
        SecretTree secretTree = secrets.newSecretTree(pub.tree().leafCount(), config.ratchetWindow());
        ResumptionPsks psks = ResumptionPsks.NONE.retaining(pub.epoch(),
                new ResumptionPsk(secrets.resumptionPsk().copy()), config.resumptionPsks());
        return new EpochState(pub, Group.Status.ACTIVE, ownLeaf, privateTree, secrets, secretTree, Optional.empty(),
                Map.of(), Optional.empty(), EpochArchive.EMPTY, psks);
    }

    /** A joiner's state before its external Commit is accepted (RFC 9420 §12.4.3.2). */
    static EpochState joiningExternally(PublicState pub, int ownLeaf, PendingCommit commit) {
        return new EpochState(pub, Group.Status.EXTERNAL_JOIN_PENDING, ownLeaf, null, null, null, Optional.empty(),
                Map.of(), Optional.of(commit), EpochArchive.EMPTY, ResumptionPsks.NONE);
    }

    // ---- within the epoch --------------------------------------------------------------------------

    /** With {@code proposal} cached (this value when it is cached already). */
    EpochState withProposal(VerifiedProposal proposal, AuthenticatedContent ac) {
        PublicState more = pub.withProposal(proposal, ac);
        return more == pub ? this : new EpochState(more, status, ownLeaf, privateTree, epochSecrets, secretTree,
                reInit, updateKeys, pending, archive, resumptionPsks);
    }

    /** With the leaf key of an Update proposal of this member. */
    EpochState withUpdateKey(HpkeKeyPair key) {
        Map<HpkePublicKey, HpkeKeyPair> keys = new LinkedHashMap<>(updateKeys);
        keys.put(key.publicKey(), key);
        return new EpochState(pub, status, ownLeaf, privateTree, epochSecrets, secretTree, reInit, keys, pending,
                archive, resumptionPsks);
    }

    /** With {@code commit} as this member's pending Commit. */
    EpochState withPending(PendingCommit commit) {
        return new EpochState(pub, status, ownLeaf, privateTree, epochSecrets, secretTree, reInit, updateKeys,
                Optional.of(commit), archive, resumptionPsks);
    }

    /** Without a pending Commit. */
    EpochState withoutPending() {
        return new EpochState(pub, status, ownLeaf, privateTree, epochSecrets, secretTree, reInit, updateKeys,
                Optional.empty(), archive, resumptionPsks);
    }

    // ---- the next epoch --------------------------------------------------------------------------

    /**
     * The state of the epoch {@code staged} starts: the public state advanced; this epoch archived
     * for late application messages (unless no past epoch is retained); then, for a member who
     * stays, the staged secrets and private tree, a new secret tree, the new resumption PSK, and the
     * status the Commit leaves (active, or awaiting reinitialization); for a removed member, no
     * secrets and status {@link Group.Status#REMOVED}. No pending Commit, no proposals, no Update
     * keys.
     *
     * @throws ValidationException with {@link GroupRule#STAGED_COMMIT_STALE} when {@code staged}
     *     was not staged on this epoch
     */
    EpochState entering(StagedCommit staged, GroupConfig config) {
        PublicState nextPub = pub.next(staged.publicCommit);
        EpochArchive nextArchive = archive;
        if (epochSecrets != null && config.pastEpochs() > 0) {
            nextArchive = archive.adding(new PastEpoch(pub.context(), pub.tree(),
                    new SenderDataSecret(epochSecrets.senderDataSecret().copy()), secretTree), config.pastEpochs());
        }
        if (staged.selfRemoved) {
            return new EpochState(nextPub, Group.Status.REMOVED, ownLeaf, null, null, null, reInit, Map.of(),
                    Optional.empty(), nextArchive, resumptionPsks);
        }
        EpochSecrets secrets = staged.epochSecrets;
        SecretTree nextTree = secrets.newSecretTree(nextPub.tree().leafCount(), config.ratchetWindow());
        ResumptionPsks psks = resumptionPsks.retaining(nextPub.epoch(),
                new ResumptionPsk(secrets.resumptionPsk().copy()), config.resumptionPsks());
        Optional<ReInitProposal> nextReInit = staged.publicCommit.applied.reInit();
        return new EpochState(nextPub, nextReInit.isPresent() ? Group.Status.REINIT_PENDING : Group.Status.ACTIVE,
                staged.ownLeaf, staged.privateTree, secrets, nextTree, nextReInit, Map.of(), Optional.empty(),
                nextArchive, psks);
    }

    // ---- secrets ---------------------------------------------------------------------------------

    /**
     * Destroys every secret this state holds that {@code next}, the state that replaced it, does
     * not hold (by identity): past epoch secrets and private keys, an abandoned pending Commit's new
     * epoch, Update keys that were not used, past epochs and resumption PSKs beyond the retention.
     * Call once {@code next} is current.
     */
    void retire(EpochState next) {
        Set<Object> kept = Collections.newSetFromMap(new IdentityHashMap<>());
        next.secrets((secret, destroy) -> kept.add(secret));
        secrets((secret, destroy) -> {
            if (kept.add(secret)) {
                destroy.run();
            }
        });
    }

    /**
     * Destroys the private keys of {@code candidate}, a private tree computed for a Commit that will
     * not be merged, except those this state holds.
     */
    void discardCandidate(TreeKemPrivate candidate) {
        Set<Object> kept = Collections.newSetFromMap(new IdentityHashMap<>());
        secrets((secret, destroy) -> kept.add(secret));
        privateKeys(candidate, (secret, destroy) -> {
            if (kept.add(secret)) {
                destroy.run();
            }
        });
    }

    /** Every object of this state that holds secrets, with how to destroy it. */
    private void secrets(BiConsumer<Object, Runnable> out) {
        if (epochSecrets != null) {
            out.accept(epochSecrets, epochSecrets::destroy);
        }
        if (secretTree != null) {
            out.accept(secretTree, secretTree::destroy);
        }
        privateKeys(privateTree, out);
        updateKeys.values().forEach(k -> secret(k.privateKey(), out));
        pending.ifPresent(p -> {
            if (p.staged.epochSecrets != null) {
                out.accept(p.staged.epochSecrets, p.staged.epochSecrets::destroy);
            }
            privateKeys(p.staged.privateTree, out);
        });
        for (PastEpoch e : archive.entries()) {
            secret(e.senderDataSecret(), out);
            out.accept(e.secretTree(), e.secretTree()::destroy);
        }
        resumptionPsks.byEpoch().values().forEach(p -> secret(p, out));
    }

    private static void privateKeys(TreeKemPrivate tree, BiConsumer<Object, Runnable> out) {
        if (tree == null) {
            return;
        }
        secret(tree.leafKey().privateKey(), out);
        for (int node : tree.nodes()) {
            tree.nodeKey(node).ifPresent(k -> secret(k.privateKey(), out));
        }
    }

    private static void secret(Secret secret, BiConsumer<Object, Runnable> out) {
        out.accept(secret, secret::destroy);
    }

    // ---- checks and lookups ----------------------------------------------------------------------

    EpochSecrets requireSecrets() {
        if (epochSecrets == null) {
            throw new ValidationException(GroupRule.GROUP_INACTIVE, status.toString());
        }
        return epochSecrets;
    }

    void requireActive() {
        if (status != Group.Status.ACTIVE) {
            throw new ValidationException(GroupRule.GROUP_INACTIVE, status.toString());
        }
    }

    /**
     * The psk_secret of a Commit's or Welcome's PSKs (RFC 9420 §8.4), in order: external PSKs and
     * other groups' resumption PSKs from {@code lookup}, this group's from the retained ones.
     *
     * @throws ValidationException with {@link GroupRule#PSK_UNAVAILABLE}
     */
    PskSecret pskSecret(List<PreSharedKeyId> ids, PskLookup lookup) {
        if (ids.isEmpty()) {
            return PreSharedKeys.none(pub.suite());
        }
        List<PskInput> inputs = new ArrayList<>(ids.size());
        for (PreSharedKeyId id : ids) {
            inputs.add(new PskInput(id, lookupPsk(id, lookup)));
        }
        return PreSharedKeys.pskSecret(pub.suite(), inputs);
    }

    /** The PSK {@code id} names, lent. */
    Secret lookupPsk(PreSharedKeyId id, PskLookup lookup) {
        Optional<? extends Secret> psk = switch (id) {
            case PreSharedKeyId.External e -> lookup.externalPsk(e.pskId());
            case PreSharedKeyId.Resumption r -> pub.context().hasGroupId(r.pskGroupId())
                    ? resumptionPsks.get(r.pskEpoch())
                    : lookup.resumptionPsk(r.pskGroupId(), r.pskEpoch());
        };
        return psk.orElseThrow(() -> new ValidationException(GroupRule.PSK_UNAVAILABLE, id.toString()));
    }

    /** A fresh id of the resumption PSK of this group's {@code epoch}, which must be retained. */
    PreSharedKeyId resumptionPskId(long epoch) {
        if (resumptionPsks.get(epoch).isEmpty()) {
            throw new ValidationException(GroupRule.RESUMPTION_EPOCH_UNAVAILABLE,
                    "epoch " + Long.toUnsignedString(epoch));
        }
        return new PreSharedKeyId.Resumption(ResumptionPskUsage.APPLICATION, pub.groupId(), epoch,
                pub.suite().randomBytes(pub.suite().hashLength()));
    }

    @Override
    public String toString() {
        return "EpochState[" + pub.context() + ", leaf " + ownLeaf + ", " + status + "]";
    }
}
