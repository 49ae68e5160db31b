package dev.ampoule.loadtest;

import dev.ampoule.mls.credential.BasicCredentialValidator;
import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.extension.ExternalSenders;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.group.CommitOptions;
import dev.ampoule.mls.group.Group;
import dev.ampoule.mls.group.GroupConfig;
import dev.ampoule.mls.group.KeyPackageBundle;
import dev.ampoule.mls.group.PendingCommit;
import dev.ampoule.mls.group.Processed;
import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.mls.message.Welcome;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * The MLS side of one simulated device (group-protocol): its basic credential
 * {@code <user>#<device>} (the relay's mapping of members to devices), its signature key, the
 * KeyPackage it published and, once created or joined, its {@link Group}. Not thread-safe: used by
 * one thread at a time (the device's event loop, or a setup worker before the device connects).
 */
final class Member {

    /**
     * Accepts any basic identity: the load's users are development users, and a care team's
     * external sender is the relay. A committer merges its Commit when the relay accepts it, and
     * may still receive messages of the epochs before: it keeps a few past epochs' secrets for them.
     */
    static final GroupConfig CONFIG = GroupConfig.builder()
            .authenticationService(BasicCredentialValidator.acceptingAnyIdentity())
            .pastEpochs(8)
            .build();

    private final CipherSuite suite;
    private final Credential credential;
    private final SignatureKeyPair keys;
    private KeyPackageBundle bundle;
    private Group group;
    private PendingCommit pending;

    Member(CipherSuite suite, String user, String device) {
        this.suite = suite;
        this.credential = new Credential.Basic((user + "#" + device).getBytes(StandardCharsets.UTF_8));
        this.keys = suite.generateSignatureKeyPair();
    }

    /** A fresh KeyPackage (kept for joining), as MLSMessage bytes. */
    byte[] keyPackage() {
        bundle = KeyPackageBundle.builder(suite, credential, keys).build();
        return new MlsMessage.OfKeyPackage(bundle.keyPackage()).toBytes();
    }

    static KeyPackage decodeKeyPackage(byte[] mlsMessage) {
        if (MlsMessage.fromBytes(mlsMessage) instanceof MlsMessage.OfKeyPackage kp) {
            return kp.keyPackage();
        }
        throw new IllegalArgumentException("not a KeyPackage");
    }

    /** Creates the group; the GroupInfo (with the ratchet tree) to register it, as MLSMessage bytes. */
    byte[] create(byte[] groupId) {
        group = Group.create(CONFIG, suite, groupId, credential, keys);
        return new MlsMessage.OfGroupInfo(group.groupInfo(true)).toBytes();
    }

    /**
     * Creates a care team's group with the relay as its external sender (RFC 9420 §12.1.8: the
     * relay proposes the roster's changes); the GroupInfo to register it, as MLSMessage bytes.
     */
    byte[] createCareTeam(byte[] groupId, ExternalSenders.ExternalSender relay) {
        group = Group.create(CONFIG, suite, groupId, credential, keys,
                List.of(new ExternalSenders(List.of(relay)).toExtension()));
        return new MlsMessage.OfGroupInfo(group.groupInfo(true)).toBytes();
    }

    /**
     * A Commit of the proposals received in this epoch (the relay's, by reference), pending until
     * {@link #merge()}; a Welcome with the tree for the devices they add.
     */
    PendingCommit commitProposals() {
        pending = group.commit(CommitOptions.builder().ratchetTreeInWelcome(true).groupInfoForExternalJoin(true).build());
        return pending;
    }

    /** Proposals received in this epoch and not yet committed. */
    int pendingProposals() {
        return group.pendingProposals().size();
    }

    /**
     * Processes a proposal (MLSMessage bytes): kept for the Commit that covers it.
     *
     * @throws RuntimeException when the proposal does not verify
     */
    void applyProposal(byte[] mlsMessage) {
        if (!(group.process(MlsMessage.fromBytes(mlsMessage)) instanceof Processed.ProposalMessage)) {
            throw new IllegalArgumentException("not a proposal");
        }
    }

    /** Forgets the group: the relay cut this device off when its user left the team's roster. */
    void leave() {
        group = null;
        pending = null;
    }

    /** A Commit adding {@code keyPackages}, pending until {@link #merge()}; the Welcome carries the tree. */
    PendingCommit add(List<KeyPackage> keyPackages) {
        CommitOptions.Builder options = CommitOptions.builder().ratchetTreeInWelcome(true).groupInfoForExternalJoin(true);
        keyPackages.forEach(options::add);
        pending = group.commit(options.build());
        return pending;
    }

    /** A Commit removing the member whose identity is {@code <user>#<device>}, pending until {@link #merge()}. */
    PendingCommit remove(String user, String device) {
        byte[] identity = (user + "#" + device).getBytes(StandardCharsets.UTF_8);
        int leaf = group.members().stream()
                .filter(m -> m.credential() instanceof Credential.Basic b && java.util.Arrays.equals(b.identity(), identity))
                .mapToInt(dev.ampoule.mls.group.Member::leafIndex)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no such member in the group"));
        pending = group.commit(CommitOptions.builder().remove(leaf).groupInfoForExternalJoin(true).build());
        return pending;
    }

    void merge() {
        group.mergePendingCommit();
        pending = null;
    }

    /** Drops the pending Commit (the relay refused it). */
    void discard() {
        if (pending != null) {
            group.discardPendingCommit();
            pending = null;
        }
    }

    /**
     * Processes and merges another member's Commit (MLSMessage bytes); whether this member is still
     * in the group after it.
     *
     * @throws RuntimeException when the Commit does not verify
     */
    boolean applyCommit(byte[] mlsMessage) {
        if (!(group.process(MlsMessage.fromBytes(mlsMessage)) instanceof dev.ampoule.mls.group.StagedCommit staged)) {
            throw new IllegalArgumentException("not a Commit");
        }
        group.merge(staged);
        return active();
    }

    /** A member of its group that can send and receive (not removed, not yet joined). */
    boolean active() {
        return group != null && group.status() == Group.Status.ACTIVE;
    }

    /** Joins from a Welcome (MLSMessage bytes) for the published KeyPackage. */
    void join(byte[] welcomeMessage) {
        if (!(MlsMessage.fromBytes(welcomeMessage) instanceof MlsMessage.OfWelcome w)) {
            throw new IllegalArgumentException("not a Welcome");
        }
        Welcome welcome = w.welcome();
        group = Group.join(CONFIG, welcome, bundle, Optional.empty());
    }

    /** Joins from a Welcome object (groups built without a relay). */
    void join(Welcome welcome) {
        group = Group.join(CONFIG, welcome, bundle, Optional.empty());
    }

    /** Decrypts an application message; its plaintext. */
    Optional<Processed.ApplicationMessage> decrypt(byte[] mlsMessage) {
        return group.process(MlsMessage.fromBytes(mlsMessage)) instanceof Processed.ApplicationMessage a
                ? Optional.of(a) : Optional.empty();
    }

    Group group() {
        return group;
    }

    boolean inGroup() {
        return group != null;
    }
}
