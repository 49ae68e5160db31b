package dev.ampoule.mls.bench;

import dev.ampoule.mls.credential.BasicCredentialValidator;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.HpkeCiphertext;
import dev.ampoule.mls.crypto.HpkePublicKey;
import dev.ampoule.mls.crypto.HpkeSealer;
import dev.ampoule.mls.crypto.Parallel;
import dev.ampoule.mls.error.InternalException;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.group.CommitOptions;
import dev.ampoule.mls.group.Group;
import dev.ampoule.mls.group.GroupConfig;
import dev.ampoule.mls.group.GroupFixture;
import dev.ampoule.mls.group.Member;
import dev.ampoule.mls.group.KeyPackageBundle;
import dev.ampoule.mls.group.PendingCommit;
import dev.ampoule.mls.group.Processed;
import dev.ampoule.mls.group.RealisticFixture;
import dev.ampoule.mls.group.StagedCommit;
import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.mls.message.Welcome;
import dev.ampoule.mls.treekem.TreeKem;
import java.util.List;
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
 * A care network's group operations on trees built through the protocol ({@link RealisticFixture}),
 * suite 1, at N = 100, 1,000 and 10,000, handshakes as PublicMessage: adding everyone in one Commit,
 * joining from that Commit's Welcome, the first Commit after it (its UpdatePath seals to N − 1
 * leaves), and an empty Commit and a remove after {@value RealisticFixture#CHURN} members committed
 * once. The creator (leaf 0) commits, the member at leaf 1 processes; created Commits are discarded
 * and processed ones staged, never merged, so every invocation does the same work.
 *
 * <p>The full tree of the same sizes is {@link GroupBenchmark}'s.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
public class RealisticGroupBenchmark {

    @State(Scope.Benchmark)
    public static class Size {

        @Param({"100", "1000", "10000"})
        public int members;

        CipherSuite suite;
        GroupConfig config;

        @Setup(Level.Trial)
        public void setUp() {
            suite = Inputs.suite(1);
            config = GroupConfig.builder().authenticationService(BasicCredentialValidator.acceptingAnyIdentity())
                    .build();
        }
    }

    /** The creator alone, and the KeyPackages of the N − 1 members it adds. */
    @State(Scope.Benchmark)
    public static class Lone {
        Group creator;
        List<KeyPackage> keyPackages;
        long counter;

        @Setup(Level.Trial)
        public void setUp(Size s) {
            creator = Group.create(s.config, s.suite, s.suite.randomBytes(16), GroupFixture.credential(0),
                    s.suite.generateSignatureKeyPair());
            keyPackages = RealisticFixture.keyPackages(RealisticFixture.bundles(s.suite, s.members - 1, false));
        }

        /**
         * Adds everyone, with a counter as authenticated_data: an add-only Commit holds no randomness,
         * and the same Commit twice would reuse its Welcome's key and nonce, which the AEAD refuses.
         */
        CommitOptions addAll(boolean ratchetTreeInWelcome) {
            byte[] aad = new byte[8];
            Inputs.setCounter(aad, ++counter);
            CommitOptions.Builder b = CommitOptions.builder().ratchetTreeInWelcome(ratchetTreeInWelcome)
                    .authenticatedData(aad);
            keyPackages.forEach(b::add);
            return b.build();
        }
    }

    /** The sparse shape, the receiver before the big Add, and the first Commit after it. */
    @State(Scope.Benchmark)
    public static class Sparse {
        RealisticFixture fixture;
        Group receiverBeforeBigAdd;
        byte[] bigAdd;
        byte[] welcome;
        KeyPackageBundle joiner;
        byte[] firstCommit;
        /** The encryption keys of leaves 1 … N − 1, and the GroupContext: what the first Commit seals to. */
        List<HpkePublicKey> othersKeys;
        byte[] context;

        @Setup(Level.Trial)
        public void setUp(Size s) {
            fixture = RealisticFixture.sparse(s.config, s.suite, s.members);
            othersKeys = fixture.creator().members().stream().filter(m -> m.leafIndex() != 0)
                    .map(Member::leafNode).map(l -> l.encryptionKey()).toList();
            context = fixture.creator().groupContext().toBytes();
            receiverBeforeBigAdd = fixture.receiverBeforeBigAdd();
            bigAdd = fixture.bigAdd();
            welcome = fixture.bigAddWelcome();
            joiner = fixture.joiner();
            firstCommit = created(fixture.creator(), CommitOptions.defaults());
            requireStaged(fixture.receiver(), firstCommit);
            System.out.printf("%n[shape] sparse N=%d: first Commit seals %d, big Add's Welcome %d bytes%n",
                    s.members, RealisticFixture.seals(firstCommit), welcome.length);
        }
    }

    /** The after-churn shape, its empty Commit and its remove of the last leaf. */
    @State(Scope.Benchmark)
    public static class Churned {
        RealisticFixture fixture;
        byte[] emptyCommit;
        byte[] removeCommit;
        CommitOptions remove;

        @Setup(Level.Trial)
        public void setUp(Size s) {
            fixture = RealisticFixture.afterChurn(s.config, s.suite, s.members);
            remove = CommitOptions.builder().remove(s.members - 1).build();
            emptyCommit = created(fixture.creator(), CommitOptions.defaults());
            removeCommit = created(fixture.creator(), remove);
            requireStaged(fixture.receiver(), emptyCommit);
            requireStaged(fixture.receiver(), removeCommit);
            requireStaged(fixture.farReceiver(), emptyCommit);
            System.out.printf("%n[shape] after churn N=%d (leaves %s committed): empty Commit seals %d, remove seals %d%n",
                    s.members, fixture.churnedLeaves(), RealisticFixture.seals(emptyCommit),
                    RealisticFixture.seals(removeCommit));
        }
    }

    /** A Commit of {@code g}, discarded again (its secrets destroyed): the state stays as it was. */
    private static PendingCommit discarded(Group g, CommitOptions options) {
        PendingCommit p = g.commit(options);
        g.discardPendingCommit();
        return p;
    }

    private static byte[] created(Group g, CommitOptions options) {
        return discarded(g, options).commit().toBytes();
    }

    private static void requireStaged(Group g, byte[] commit) {
        if (!(g.process(MlsMessage.fromBytes(commit)) instanceof StagedCommit)) {
            throw new InternalException("the Commit did not stage");
        }
    }

    // ---- adding everyone (sparse shape) -------------------------------------------------------------

    /** The creator adds N − 1 members in one Commit, the ratchet tree in the Welcome (the default). */
    @Benchmark
    public PendingCommit addAll(Lone l) {
        return discarded(l.creator, l.addAll(true));
    }

    /** The same with the tree left out of the Welcome (the joiners get it from the Delivery Service). */
    @Benchmark
    public PendingCommit addAllTreeOutOfBand(Lone l) {
        return discarded(l.creator, l.addAll(false));
    }

    /** The member at leaf 1 processes the Commit adding the other N − 2: it validates every KeyPackage. */
    @Benchmark
    public Processed addAllProcess(Sparse s) {
        return s.receiverBeforeBigAdd.process(MlsMessage.fromBytes(s.bigAdd));
    }

    /** Joining from the big Add's Welcome: the whole sparse tree checked, N leaf signatures. */
    @Benchmark
    public Group join(Size size, Sparse s) {
        Welcome welcome = ((MlsMessage.OfWelcome) MlsMessage.fromBytes(s.welcome)).welcome();
        return Group.join(size.config, welcome, s.joiner, Optional.empty());
    }

    /** The creator's first Commit after the big Add: an UpdatePath sealed to N − 1 leaves. */
    @Benchmark
    public PendingCommit firstCommitCreate(Sparse s) {
        return discarded(s.fixture.creator(), CommitOptions.defaults());
    }

    /**
     * The baseline of {@link #firstCommitCreate}, measured next to it: its HPKE seals alone — a
     * 32-byte secret sealed to each of the N − 1 other members' encryption keys with one sealer, on
     * all cores as an UpdatePath's are ({@link Parallel}). "seals × HPKE seal ÷ cores", as this
     * machine delivers it at that moment.
     */
    @Benchmark
    public List<HpkeCiphertext> firstCommitSealsOnly(Size size, Sparse s) {
        HpkeSealer sealer = size.suite.encryptorWithLabel(TreeKem.ENCRYPT_LABEL, s.context);
        byte[] secret = new byte[32];
        return Parallel.map(s.othersKeys.size(), 4, i -> sealer.seal(s.othersKeys.get(i), secret));
    }

    @Benchmark
    public Processed firstCommitProcess(Sparse s) {
        return s.fixture.receiver().process(MlsMessage.fromBytes(s.firstCommit));
    }

    // ---- after churn ----------------------------------------------------------------------------------

    @Benchmark
    public PendingCommit churnEmptyCommitCreate(Churned c) {
        return discarded(c.fixture.creator(), CommitOptions.defaults());
    }

    /** Processing at leaf 1, which derives every node key of the creator's path: the worst case. */
    @Benchmark
    public Processed churnEmptyCommitProcess(Churned c) {
        return c.fixture.receiver().process(MlsMessage.fromBytes(c.emptyCommit));
    }

    /** Processing at leaf N − 2, which derives the root's key only: the typical receiver. */
    @Benchmark
    public Processed churnEmptyCommitProcessFar(Churned c) {
        return c.fixture.farReceiver().process(MlsMessage.fromBytes(c.emptyCommit));
    }

    /** The creator removes the member at the last leaf. */
    @Benchmark
    public PendingCommit churnRemoveCreate(Churned c) {
        return discarded(c.fixture.creator(), c.remove);
    }

    @Benchmark
    public Processed churnRemoveProcess(Churned c) {
        return c.fixture.receiver().process(MlsMessage.fromBytes(c.removeCommit));
    }
}
