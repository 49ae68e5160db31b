package dev.ampoule.mls.group;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.Parallel;
import dev.ampoule.mls.error.InternalException;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.mls.message.Welcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Groups of N members built through the protocol, in the shapes a care network reaches (DESIGN.md
 * "Performance targets"), unlike the full trees of {@link GroupFixture}:
 *
 * <ul>
 *   <li><b>sparse</b> — right after the group's creator (leaf 0) added everyone: a first Commit adds
 *       the member at leaf 1, a second adds the other N − 2 at once (add-only Commits carry no
 *       path, so every parent node is blank and every copath resolution is a list of leaves);</li>
 *   <li><b>after churn</b> — then {@value #CHURN} members at seeded random leaves join from that
 *       Welcome and commit once each (an empty Commit, a full path), every live member processing
 *       every Commit.</li>
 * </ul>
 *
 * <p>The creator commits and leaf 1 receives: leaf 1 shares the creator's whole direct path, so it
 * derives the most node keys of any receiver. In the after-churn shape the member at leaf N − 2,
 * whose lowest common ancestor with the creator is the root (as for half of all members), receives
 * too: the typical receiver. The last leaf's KeyPackage is a last-resort one, so that the Welcome
 * of the big Add can be joined again and again. Everything goes through the
 * public API ({@link Group#commit}, {@link Group#process}, {@link Group#join}), with every check a
 * real group makes.
 */
public final class RealisticFixture {

    /** How many members commit in the after-churn shape. */
    public static final int CHURN = 20;

    private final GroupConfig config;
    private final CipherSuite suite;
    private final int members;
    private final Group creator;
    private final Group receiver;
    private final byte[] receiverBeforeBigAdd;
    private final byte[] bigAdd;
    private final byte[] bigAddWelcome;
    private final KeyPackageBundle joiner;
    /** The KeyPackages of leaves 1 … N − 1. */
    private final List<KeyPackageBundle> bundles;
    private final List<Group> churners = new ArrayList<>();
    /** After churn: the member at leaf N − 2. */
    private Group farReceiver;

    private RealisticFixture(GroupConfig config, CipherSuite suite, int members) {
        if (members < 5) {
            throw new InternalException("a realistic group has at least 5 members");
        }
        this.config = config;
        this.suite = suite;
        this.members = members;
        List<KeyPackageBundle> bundles = bundles(suite, members - 1, true);
        creator = Group.create(config, suite, suite.randomBytes(16), GroupFixture.credential(0),
                suite.generateSignatureKeyPair());
        PendingCommit first = creator.commit(CommitOptions.builder().add(bundles.get(0).keyPackage()).build());
        creator.mergePendingCommit();
        receiver = Group.join(config, welcome(first), bundles.get(0), Optional.empty());
        receiverBeforeBigAdd = receiver.toBytes();

        CommitOptions.Builder all = CommitOptions.builder();
        for (KeyPackageBundle b : bundles.subList(1, bundles.size())) {
            all.add(b.keyPackage());
        }
        PendingCommit big = creator.commit(all.build());
        bigAdd = big.commit().toBytes();
        bigAddWelcome = big.welcome().orElseThrow().toBytes();
        receiver.merge(staged(receiver.process(MlsMessage.fromBytes(bigAdd))));
        creator.mergePendingCommit();
        joiner = bundles.get(bundles.size() - 1);
        this.bundles = bundles;
    }

    /** The sparse shape at {@code members} members. */
    public static RealisticFixture sparse(GroupConfig config, CipherSuite suite, int members) {
        return new RealisticFixture(config, suite, members);
    }

    /** The after-churn shape at {@code members} members, with {@value #CHURN} seeded committers. */
    public static RealisticFixture afterChurn(GroupConfig config, CipherSuite suite, int members) {
        RealisticFixture f = new RealisticFixture(config, suite, members);
        f.churn(CHURN, 42);
        return f;
    }

    /**
     * {@code count} KeyPackages of fresh clients (named by their future leaf, 1 … count), made on all
     * cores; the last one last-resort when {@code lastResortLast}.
     */
    public static List<KeyPackageBundle> bundles(CipherSuite suite, int count, boolean lastResortLast) {
        return Parallel.map(count, 4, i -> KeyPackageBundle.builder(suite, GroupFixture.credential(i + 1),
                suite.generateSignatureKeyPair()).lastResort(lastResortLast && i == count - 1).build());
    }

    /** The KeyPackages of {@link #bundles}. */
    public static List<KeyPackage> keyPackages(List<KeyPackageBundle> bundles) {
        return bundles.stream().map(KeyPackageBundle::keyPackage).toList();
    }

    /**
     * The leaves that commit in the after-churn shape: {@code count} distinct leaves in [2, N − 3]
     * drawn with a 64-bit linear congruential generator (Knuth's MMIX constants) from {@code seed},
     * so that the ts-mls benchmark ({@code interop/ts-mls-driver/bench-realistic.mjs}) draws the
     * very same ones.
     */
    public static List<Integer> churnLeaves(int members, int count, long seed) {
        List<Integer> leaves = new ArrayList<>();
        long x = seed;
        while (leaves.size() < Math.min(count, members - 4)) {
            x = x * 6364136223846793005L + 1442695040888963407L;
            int leaf = 2 + (int) Long.remainderUnsigned(x >>> 33, members - 4);
            if (!leaves.contains(leaf)) {
                leaves.add(leaf);
            }
        }
        return leaves;
    }

    private void churn(int count, long seed) {
        List<Integer> leaves = churnLeaves(members, count, seed);
        Welcome welcome = ((MlsMessage.OfWelcome) MlsMessage.fromBytes(bigAddWelcome)).welcome();
        for (int leaf : leaves) {
            Group g = Group.join(config, welcome, bundles.get(leaf - 1), Optional.empty());
            if (g.ownLeafIndex() != leaf) {
                throw new InternalException("leaf " + leaf + " joined at " + g.ownLeafIndex());
            }
            churners.add(g);
        }
        farReceiver = Group.join(config, welcome, bundles.get(members - 3), Optional.empty());
        if (farReceiver.ownLeafIndex() != members - 2) {
            throw new InternalException("the far receiver joined at " + farReceiver.ownLeafIndex());
        }
        // The joiners caught up with the creator's epoch; now each commits once, in turn.
        for (Group committer : churners) {
            byte[] commit = committer.commit(CommitOptions.defaults()).commit().toBytes();
            committer.mergePendingCommit();
            for (Group other : live()) {
                if (other != committer) {
                    other.merge(staged(other.process(MlsMessage.fromBytes(commit))));
                }
            }
        }
    }

    private List<Group> live() {
        List<Group> out = new ArrayList<>(churners);
        out.add(creator);
        out.add(receiver);
        out.add(farReceiver);
        return out;
    }

    private static StagedCommit staged(Processed p) {
        if (p instanceof StagedCommit s) {
            return s;
        }
        throw new InternalException("expected a Commit, got " + p);
    }

    private static Welcome welcome(PendingCommit commit) {
        return ((MlsMessage.OfWelcome) commit.welcome().orElseThrow()).welcome();
    }

    /** The number of HPKE ciphertexts in the UpdatePath of {@code commit}, a PublicMessage (0 without a path). */
    public static int seals(byte[] commit) {
        MlsMessage m = MlsMessage.fromBytes(commit);
        if (m instanceof MlsMessage.OfPublicMessage p
                && p.message().content().content() instanceof dev.ampoule.mls.framing.Content.CommitContent c) {
            return c.commit().path().map(path -> path.nodes().stream()
                    .mapToInt(n -> n.encryptedPathSecret().size()).sum()).orElse(0);
        }
        throw new InternalException("not a Commit in a PublicMessage");
    }

    public int members() {
        return members;
    }

    public GroupConfig config() {
        return config;
    }

    /** The group's creator at leaf 0, in the fixture's final epoch: the committer. */
    public Group creator() {
        return creator;
    }

    /** The member at leaf 1, in the fixture's final epoch: the receiver. */
    public Group receiver() {
        return receiver;
    }

    /** After churn, the member at leaf N − 2, whose lowest common ancestor with the creator is the root. */
    public Group farReceiver() {
        if (farReceiver == null) {
            throw new InternalException("only the after-churn shape has a far receiver");
        }
        return farReceiver;
    }

    /** A new object of the receiver as it was before the big Add (restored from its saved state). */
    public Group receiverBeforeBigAdd() {
        return Group.restore(receiverBeforeBigAdd, config);
    }

    /** The Commit that added N − 2 members at once. */
    public byte[] bigAdd() {
        return bigAdd.clone();
    }

    /** Its Welcome, with the ratchet tree. */
    public byte[] bigAddWelcome() {
        return bigAddWelcome.clone();
    }

    /** The last-resort KeyPackage of the last leaf, which may join from {@link #bigAddWelcome} again and again. */
    public KeyPackageBundle joiner() {
        return joiner;
    }

    /** The leaves of the members who committed in the after-churn shape. */
    public List<Integer> churnedLeaves() {
        return churners.stream().map(Group::ownLeafIndex).toList();
    }
}
