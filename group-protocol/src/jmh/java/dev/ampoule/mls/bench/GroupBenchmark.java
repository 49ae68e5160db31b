package dev.ampoule.mls.bench;

import dev.ampoule.mls.credential.BasicCredentialValidator;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.error.InternalException;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.group.CommitOptions;
import dev.ampoule.mls.group.Group;
import dev.ampoule.mls.group.GroupConfig;
import dev.ampoule.mls.group.GroupFixture;
import dev.ampoule.mls.group.KeyPackageBundle;
import dev.ampoule.mls.group.PendingCommit;
import dev.ampoule.mls.group.Processed;
import dev.ampoule.mls.group.StagedCommit;
import dev.ampoule.mls.message.Welcome;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Group operations of one member (RFC 9420 §12–§15) in suite 1 at group sizes 10 to 10,000, on a
 * full ratchet tree ({@link GroupFixture}: every leaf up to N occupied, every parent node that can
 * hold a key holding one). The committer is the member at leaf 0, whose filtered direct path is the
 * longest (⌈log₂ N⌉ nodes, each copath resolution a single node); the receiver is leaf 1, the
 * committer's sibling, which shares the committer's whole direct path and so derives the most node
 * key pairs of any receiver. Handshake messages are PublicMessages (the default configuration).
 *
 * <p>Each benchmark method does the same work at every invocation on the state built once per
 * trial: a created Commit is discarded again ({@link Group#discardPendingCommit()}, included in
 * the time: it destroys the Commit's secrets), a processed Commit is staged and never merged, a
 * join uses a last-resort KeyPackage, whose private keys joining does not destroy.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 10, time = 1)
public class GroupBenchmark {

    /** The group of N members, its committer (leaf 0) and receiver (leaf 1), built once per trial. */
    @State(Scope.Benchmark)
    public static class Members {

        @Param({"10", "100", "1000", "10000"})
        public int members;

        CipherSuite suite;
        GroupConfig config;
        GroupFixture fixture;
        Group committer;
        Group receiver;

        @Setup(Level.Trial)
        public void setUp() {
            suite = Inputs.suite(1);
            config = GroupConfig.builder().authenticationService(BasicCredentialValidator.acceptingAnyIdentity())
                    .build();
            fixture = GroupFixture.full(config, suite, members);
            committer = fixture.member(0);
            receiver = fixture.member(1);
        }
    }

    /** An empty Commit of the committer, as received by the receiver (bytes). */
    @State(Scope.Benchmark)
    public static class EmptyCommit {
        byte[] commit;

        @Setup(Level.Trial)
        public void setUp(Members m) {
            commit = m.committer.commit(CommitOptions.defaults()).commit().toBytes();
            m.committer.discardPendingCommit();
            if (!(m.receiver.process(MlsMessage.fromBytes(commit)) instanceof StagedCommit)) {
                throw new InternalException("the empty Commit did not stage");
            }
        }
    }

    /** A joiner's last-resort KeyPackage, the Add that adds it, and the Welcome of that Add. */
    @State(Scope.Benchmark)
    public static class Joiner {
        KeyPackageBundle bundle;
        byte[] welcome;
        long counter;

        /**
         * The Add, with a counter as the Commit's authenticated_data. Without a path a Commit holds
         * no randomness, and Ed25519 signatures are deterministic: the same Add twice would be the
         * same Commit, with the same welcome_secret, and the AEAD refuses to encrypt twice under one
         * key and nonce.
         */
        CommitOptions add(boolean ratchetTreeInWelcome) {
            byte[] aad = new byte[8];
            Inputs.setCounter(aad, ++counter);
            return CommitOptions.builder().add(bundle.keyPackage()).ratchetTreeInWelcome(ratchetTreeInWelcome)
                    .authenticatedData(aad).build();
        }

        @Setup(Level.Trial)
        public void setUp(Members m) {
            bundle = KeyPackageBundle.builder(m.suite, GroupFixture.credential(m.members), m.suite
                    .generateSignatureKeyPair()).lastResort(true).build();
            welcome = m.committer.commit(add(true)).welcome().orElseThrow().toBytes();
            m.committer.discardPendingCommit();
        }
    }

    /** A 1 KiB application message payload. */
    @State(Scope.Benchmark)
    public static class Payload {
        byte[] data = Inputs.bytes(Inputs.KIB, 7);
        byte[] aad = new byte[0];
    }

    /**
     * Adds one member (§12.1.1, §12.4.1, §12.4.3.1): a Commit with the Add by value, no path (none
     * required), and the Welcome whose GroupInfo carries the ratchet tree (the default), so it
     * encodes and encrypts the whole tree: O(N). The options, with their fresh authenticated_data,
     * are built in the measured method (a few small objects).
     */
    @Benchmark
    public PendingCommit addMember(Members m, Joiner j) {
        PendingCommit p = m.committer.commit(j.add(true));
        m.committer.discardPendingCommit();
        return p;
    }

    /**
     * {@link #addMember} with the ratchet tree left out of the Welcome (the joiner gets it out of
     * band, e.g. from the Delivery Service): what adding costs apart from encoding the tree.
     */
    @Benchmark
    public PendingCommit addMemberTreeOutOfBand(Members m, Joiner j) {
        PendingCommit p = m.committer.commit(j.add(false));
        m.committer.discardPendingCommit();
        return p;
    }

    /**
     * Removes the member at the last leaf (N − 1) with a Commit and the UpdatePath it requires
     * (§12.1.3, §12.4). The removed leaf's blanked direct path widens the committer's copath
     * resolutions near the root, so this path costs a few more HPKE seals than an empty Commit.
     */
    @Benchmark
    public PendingCommit removeMember(Members m) {
        PendingCommit p = m.committer.commit(CommitOptions.builder().remove(m.members - 1).build());
        m.committer.discardPendingCommit();
        return p;
    }

    /** Creates an empty Commit: a full path update from leaf 0 (§12.4.1). */
    @Benchmark
    public PendingCommit emptyCommitCreate(Members m) {
        PendingCommit p = m.committer.commit(CommitOptions.defaults());
        m.committer.discardPendingCommit();
        return p;
    }

    /**
     * Processes the empty Commit at leaf 1 (§12.4.2): decodes it from bytes, verifies signature and
     * membership tag, the path's leaf and parent hashes, decrypts one path secret, derives the path
     * keys, runs the key schedule and checks the confirmation tag. The result is staged, not merged.
     */
    @Benchmark
    public Processed emptyCommitProcess(Members m, EmptyCommit c) {
        return m.receiver.process(MlsMessage.fromBytes(c.commit));
    }

    /**
     * Joins from a Welcome (§12.4.3.1) into a group of N + 1 members: decodes the Welcome, decrypts
     * the group secrets and the GroupInfo, decodes the ratchet tree, recomputes its tree hash and
     * checks parent hashes, every leaf's signature (on all cores) and policy, runs the key schedule.
     */
    @Benchmark
    public Group join(Members m, Joiner j) {
        Welcome welcome = ((MlsMessage.OfWelcome) MlsMessage.fromBytes(j.welcome)).welcome();
        return Group.join(m.config, welcome, j.bundle, Optional.empty());
    }

    /**
     * Encrypts 1 KiB at leaf 0 and decrypts it at leaf 1 (§15), through the wire encoding: signing,
     * the secret tree ratchet, AES-128-GCM and sender data encryption on one side, the reverse and
     * the signature check on the other.
     */
    @Benchmark
    public Processed encryptDecrypt(Members m, Payload p) {
        byte[] wire = m.committer.encrypt(p.data, p.aad).toBytes();
        return m.receiver.process(MlsMessage.fromBytes(wire));
    }
}
