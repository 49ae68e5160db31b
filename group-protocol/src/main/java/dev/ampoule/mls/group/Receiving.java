package dev.ampoule.mls.group;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.HpkeKeyPair;
import dev.ampoule.mls.error.InternalException;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.framing.AuthenticatedContent;
import dev.ampoule.mls.framing.Content;
import dev.ampoule.mls.framing.ContentType;
import dev.ampoule.mls.framing.FramedContent;
import dev.ampoule.mls.framing.FramingRule;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.framing.PrivateMessage;
import dev.ampoule.mls.framing.PublicMessage;
import dev.ampoule.mls.framing.Sender;
import dev.ampoule.mls.framing.SignerKeys;
import dev.ampoule.mls.group.EpochArchive.PastEpoch;
import dev.ampoule.mls.schedule.EpochSecrets;
import dev.ampoule.mls.tree.LeafNode;
import dev.ampoule.mls.tree.RatchetTree;
import dev.ampoule.mls.treekem.CommitSecret;
import dev.ampoule.mls.treekem.ProcessedPath;
import dev.ampoule.mls.treekem.TreeKem;
import dev.ampoule.mls.treekem.TreeKemPrivate;

/**
 * A member receiving a message (RFC 9420 §6, §12.4.2, §15.3): application data of the current or a
 * retained past epoch, a proposal to verify and cache, or a Commit to verify and stage. Functions
 * of an {@link EpochState}: they return what was received and the state to continue with, and
 * change nothing themselves — except the ratchet key a PrivateMessage was decrypted with, consumed
 * only when everything else succeeded.
 */
final class Receiving {

    private Receiving() {}

    /** What a message yields, and the state after it (the same value when nothing changed). */
    record Outcome(Processed processed, EpochState next) {}

    static Outcome process(Group g, EpochState s, MlsMessage message) {
        return switch (message) {
            case MlsMessage.OfPublicMessage m -> publicMessage(g, s, m.message());
            case MlsMessage.OfPrivateMessage m -> privateMessage(g, s, m.message());
            default -> throw new ValidationException(GroupRule.UNEXPECTED_WIRE_FORMAT, message.wireFormat().toString());
        };
    }

    private static Outcome publicMessage(Group g, EpochState s, PublicMessage message) {
        s.requireActive();
        if (message.membershipTag().isPresent() && message.content().contentType() == ContentType.COMMIT) {
            // A member's Commit: its signature verifies on another core while the Commit is staged
            // (HPKE decryption, key derivations), the membership tag having shown a member sent it.
            return message.unprotectWhileVerifying(g.suite(), s.pub().context(), s.epochSecrets().membershipKey(),
                    s.pub().signerKeys(), ac -> handshake(g, s, ac), outcome -> discard(s, outcome));
        }
        AuthenticatedContent ac = message.unprotect(g.suite(), s.pub().context(), s.epochSecrets().membershipKey(),
                s.pub().signerKeys()).authenticatedContent();
        return handshake(g, s, ac);
    }

    /** Destroys the secrets of a Commit staged from a message whose signature then failed. */
    private static void discard(EpochState s, Outcome outcome) {
        if (outcome.processed() instanceof StagedCommit staged) {
            if (staged.epochSecrets != null) {
                staged.epochSecrets.destroy();
            }
            if (staged.privateTree != null) {
                s.discardCandidate(staged.privateTree);
            }
        }
    }

    private static Outcome privateMessage(Group g, EpochState s, PrivateMessage message) {
        PublicState pub = s.pub();
        if (!pub.context().hasGroupId(message.groupId())) {
            throw new ValidationException(FramingRule.WRONG_GROUP);
        }
        if (message.epoch() == pub.epoch() && s.epochSecrets() != null) {
            // Processed while the ratchet key is lent: a refused message does not consume it.
            return message.unprotect(g.suite(), pub.context(), s.epochSecrets().senderDataSecret(), s.secretTree(),
                    pub.signerKeys(), verified -> {
                        AuthenticatedContent ac = verified.authenticatedContent();
                        if (ac.contentType() == ContentType.APPLICATION) {
                            return new Outcome(application(ac), s);
                        }
                        s.requireActive();
                        return handshake(g, s, ac);
                    });
        }
        PastEpoch past = s.archive().get(message.epoch())
                .orElseThrow(() -> new ValidationException(GroupRule.EPOCH_NOT_AVAILABLE,
                        "epoch " + Long.toUnsignedString(message.epoch())));
        if (message.contentType() != ContentType.APPLICATION) {
            throw new ValidationException(GroupRule.HANDSHAKE_FROM_PAST_EPOCH);
        }
        AuthenticatedContent ac = message.unprotect(g.suite(), past.context(), past.senderDataSecret(),
                past.secretTree(), memberKeys(past.tree())).authenticatedContent();
        return new Outcome(application(ac), s);
    }

    /** Signature keys of the members of a past epoch's tree (PrivateMessage senders are members). */
    private static SignerKeys memberKeys(RatchetTree tree) {
        return content -> {
            if (content.sender() instanceof Sender.Member m) {
                return tree.leaf(m.leafIndex()).map(LeafNode::signatureKey).orElseThrow(
                        () -> new ValidationException(GroupRule.SENDER_NOT_MEMBER, "leaf " + m.leafIndex()));
            }
            throw new ValidationException(FramingRule.PRIVATE_SENDER_NOT_MEMBER);
        };
    }

    private static Processed.ApplicationMessage application(AuthenticatedContent ac) {
        FramedContent fc = ac.content();
        Content.ApplicationData data = (Content.ApplicationData) fc.content();
        int leaf = ((Sender.Member) fc.sender()).leafIndex();
        return new Processed.ApplicationMessage(leaf, fc.epoch(), data.data(), fc.authenticatedData());
    }

    private static Outcome handshake(Group g, EpochState s, AuthenticatedContent ac) {
        if (ac.contentType() == ContentType.PROPOSAL) {
            VerifiedProposal proposal = s.pub().verifyProposal(ac);
            return new Outcome(new Processed.ProposalMessage(proposal), s.withProposal(proposal, ac));
        }
        return new Outcome(stageCommit(g, s, ac), s);
    }

    /** Verifies and stages a received Commit (RFC 9420 §12.4.2) on copies. */
    private static StagedCommit stageCommit(Group g, EpochState s, AuthenticatedContent ac) {
        int ownLeaf = s.ownLeaf();
        if (ac.sender() instanceof Sender.Member m && m.leafIndex() == ownLeaf) {
            throw new ValidationException(GroupRule.OWN_COMMIT_UNKNOWN);
        }
        CipherSuite suite = g.suite();
        byte[] groupId = s.pub().groupId();
        ProcessedPath[] result = new ProcessedPath[1];
        boolean[] removed = new boolean[1];
        StagedPublicCommit sp = s.pub().stage(ac, (next, leaf, path, applied, provisional) -> {
            if (applied.removes(ownLeaf)) {
                removed[0] = true;
                next.apply(TreeKem.verifyPath(suite, next, leaf, path, groupId, applied.addedLeafSet()));
                return;
            }
            TreeKemPrivate me = s.privateTree();
            if (applied.updatedLeaves().contains(ownLeaf)) {
                HpkeKeyPair key = s.updateKeys().get(next.leaf(ownLeaf).orElseThrow().encryptionKey());
                if (key == null) {
                    throw new InternalException("an Update of this member without its private key");
                }
                me = me.withLeafKey(key);
            }
            result[0] = TreeKem.processPath(suite, next, me, leaf, path, groupId, applied.addedLeafSet(), provisional);
        });
        AppliedProposals applied = sp.applied;
        if (removed[0] || applied.removes(ownLeaf)) {
            return new StagedCommit(sp, null, null, true, ownLeaf);
        }
        TreeKemPrivate nextPrivate = result[0] == null ? s.privateTree() : result[0].privateState().pruned(sp.tree);
        CommitSecret commitSecret = result[0] == null
                ? CommitSecret.zero(suite.hashLength())
                : result[0].commitSecret();
        try {
            EpochSecrets next = CommitBuilder.nextEpoch(g, s, sp, applied, commitSecret);
            return new StagedCommit(sp, next, nextPrivate, false, ownLeaf);
        } catch (RuntimeException e) {
            s.discardCandidate(nextPrivate);
            throw e;
        } finally {
            commitSecret.destroy();
        }
    }
}
