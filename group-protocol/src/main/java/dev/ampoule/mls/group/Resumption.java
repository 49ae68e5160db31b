package dev.ampoule.mls.group;

import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.mls.message.PreSharedKeyProposal;
import dev.ampoule.mls.message.ReInitProposal;
import dev.ampoule.mls.message.Welcome;
import dev.ampoule.mls.schedule.GroupContext;
import dev.ampoule.mls.schedule.PreSharedKeyId;
import dev.ampoule.mls.schedule.ResumptionPskUsage;
import dev.ampoule.mls.tree.RatchetTree;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Groups that resume another through a resumption PSK (RFC 9420 §8.6): the group that replaces one
 * whose last Commit covered a ReInit (§11.2), and a subgroup branched from a group (§11.3). The
 * creator's first Commit adds the members with a PSK of usage reinit or branch; the members join
 * from the Welcome with their old group, which supplies that PSK and checks the new group.
 */
final class Resumption {

    private Resumption() {}

    /** §11.2 step 3, from {@code old} in state REINIT_PENDING. */
    static ResumedGroup reInitialize(Group old, GroupConfig config, SignatureKeyPair signatureKeys,
            List<KeyPackage> members) {
        EpochState s = old.state();
        if (s.status() != Group.Status.REINIT_PENDING || s.reInit().isEmpty()) {
            throw new ValidationException(GroupRule.RESUMPTION_MISMATCH, "the group awaits no reinitialization");
        }
        ReInitProposal reInit = s.reInit().get();
        if (reInit.version() != GroupContext.MLS10) {
            throw new ValidationException(GroupRule.REINIT_VERSION, "version " + reInit.version());
        }
        CipherSuite suite = BcCipherSuites.require(reInit.cipherSuite());
        Group group = Group.createWith(config, suite, reInit.groupId(), ownCredential(old), signatureKeys,
                reInit.extensions());
        return start(old, group, ResumptionPskUsage.REINIT, members);
    }

    /** §11.3: a subgroup of {@code old} with the same suite and extensions. */
    static ResumedGroup branch(Group old, GroupConfig config, byte[] groupId, List<KeyPackage> members) {
        old.state().requireActive();
        Group group = Group.createWith(config, old.suite(), groupId.clone(), ownCredential(old), old.signatureKeys(),
                old.groupContext().extensions());
        return start(old, group, ResumptionPskUsage.BRANCH, members);
    }

    private static Credential ownCredential(Group old) {
        EpochState s = old.state();
        return s.pub().tree().leaf(s.ownLeaf()).orElseThrow().credential();
    }

    private static ResumedGroup start(Group old, Group group, ResumptionPskUsage usage, List<KeyPackage> members) {
        PreSharedKeyId psk = new PreSharedKeyId.Resumption(usage, old.groupId(), old.epoch(),
                group.suite().randomBytes(group.suite().hashLength()));
        CommitOptions.Builder options = CommitOptions.builder();
        members.forEach(options::add);
        PendingCommit commit = group.commit(options.build(), List.of(new PreSharedKeyProposal(psk)), Optional.of(psk),
                old.resumptionPskLookup());
        return new ResumedGroup(group, commit);
    }

    /** Joins a group resuming {@code old} (§12.4.3.1, last step). */
    static Group join(Group old, GroupConfig config, Welcome welcome, KeyPackageBundle keyPackage,
            Optional<RatchetTree> ratchetTree) {
        return Joining.join(config, welcome, keyPackage, ratchetTree, old.resumptionPskLookup(),
                Optional.of((psk, joined) -> check(old, psk, joined)));
    }

    private static void check(Group old, PreSharedKeyId.Resumption psk, PublicState joined) {
        if (!old.groupContext().hasGroupId(psk.pskGroupId())) {
            throw new ValidationException(GroupRule.RESUMPTION_MISMATCH, "PSK of another group");
        }
        GroupContext context = joined.context();
        List<Member> oldMembers = old.members();
        List<Member> newMembers = joined.members();
        if (psk.usage() == ResumptionPskUsage.REINIT) {
            ReInitProposal reInit = old.reInit().orElseThrow(
                    () -> new ValidationException(GroupRule.RESUMPTION_MISMATCH, "no ReInit was committed"));
            if (psk.pskEpoch() != old.epoch() || !context.hasGroupId(reInit.groupId())
                    || context.cipherSuite() != reInit.cipherSuite() || reInit.version() != GroupContext.MLS10
                    || !context.extensions().equals(reInit.extensions())) {
                throw new ValidationException(GroupRule.RESUMPTION_MISMATCH, "parameters differ from the ReInit");
            }
            requireCovered(old.config(), oldMembers, newMembers, "an old member is missing");
        } else {
            if (context.cipherSuite() != old.groupContext().cipherSuite()) {
                throw new ValidationException(GroupRule.RESUMPTION_MISMATCH, "cipher suite differs");
            }
            requireCovered(old.config(), newMembers, oldMembers, "a new member was not in the group");
        }
    }

    /** Every member of {@code required} matches some member of {@code among} (same client, §11.2, §11.3). */
    private static void requireCovered(GroupConfig config, List<Member> required, List<Member> among, String detail) {
        Set<Credential> credentials = new HashSet<>();
        among.forEach(m -> credentials.add(m.credential()));
        for (Member m : required) {
            if (credentials.contains(m.credential())) {
                continue;
            }
            boolean matched = among.stream()
                    .anyMatch(o -> config.authenticationService().allowsReplacement(o.credential(), m.credential()));
            if (!matched) {
                throw new ValidationException(GroupRule.RESUMPTION_MISMATCH, detail);
            }
        }
    }
}
