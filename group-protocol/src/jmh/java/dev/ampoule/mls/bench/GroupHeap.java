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
import dev.ampoule.mls.group.StagedCommit;
import dev.ampoule.mls.message.Welcome;
import java.util.Optional;
import org.openjdk.jol.info.GraphLayout;

/**
 * The retained heap of one member's {@link Group} at group sizes 10 to 10,000 (suite 1, full tree,
 * default configuration), measured with JOL: every object reachable from the Group, less those
 * reachable from the configuration and the cipher suite, which all groups of a client share.
 *
 * <p>The member measured joined from a Welcome (with the ratchet tree in its GroupInfo), so its
 * tree is its own, decoded from the wire. It is measured right after joining, and again after it
 * processed and merged three empty Commits, when it retains the default two past epochs (their
 * secret trees and ratchet trees, for late application messages) and three resumption PSKs.
 *
 * <p>Run: {@code java -Djdk.attach.allowAttachSelf -Djol.magicFieldOffset=true -cp
 * group-protocol/target/benchmarks.jar dev.ampoule.mls.bench.GroupHeap [sizes...]} (the first flag
 * lets JOL measure exact object sizes, the second lets it read the fields of records).
 */
public final class GroupHeap {

    private static final int COMMITS = 3;

    private GroupHeap() {}

    public static void main(String[] args) {
        int[] sizes = args.length == 0 ? new int[] {10, 100, 1000, 10000}
                : java.util.Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
        CipherSuite suite = Inputs.suite(1);
        GroupConfig config = GroupConfig.builder()
                .authenticationService(BasicCredentialValidator.acceptingAnyIdentity()).build();
        System.out.printf("%8s %8s %14s %10s %14s %10s%n", "N", "members", "joined (B)", "B/member",
                "+3 epochs (B)", "B/member");
        for (int n : sizes) {
            GroupFixture fixture = GroupFixture.full(config, suite, n);
            Group committer = fixture.member(0);
            KeyPackageBundle bundle = KeyPackageBundle.builder(suite, GroupFixture.credential(n),
                    suite.generateSignatureKeyPair()).build();
            PendingCommit add = committer.commit(CommitOptions.builder().add(bundle.keyPackage()).build());
            committer.mergePendingCommit();
            Welcome welcome = ((MlsMessage.OfWelcome) MlsMessage.fromBytes(add.welcome().orElseThrow().toBytes()))
                    .welcome();
            Group member = Group.join(config, welcome, bundle, Optional.empty());
            int count = member.members().size();
            long joined = retained(member);
            for (int i = 0; i < COMMITS; i++) {
                PendingCommit c = committer.commit(CommitOptions.defaults());
                if (!(member.process(MlsMessage.fromBytes(c.commit().toBytes())) instanceof StagedCommit s)) {
                    throw new InternalException("not a commit");
                }
                member.merge(s);
                committer.mergePendingCommit();
            }
            long steady = retained(member);
            System.out.printf("%8d %8d %14d %10d %14d %10d%n", n, count, joined, joined / count, steady,
                    steady / count);
        }
    }

    /** Bytes reachable from {@code group} and not from what all groups share. */
    static long retained(Group group) {
        System.gc();
        return GraphLayout.parseInstance(group).totalSize()
                - GraphLayout.parseInstance(group.config(), group.suite()).totalSize();
    }
}
