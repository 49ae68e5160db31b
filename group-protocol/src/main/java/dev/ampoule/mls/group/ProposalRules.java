package dev.ampoule.mls.group;

import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.Parallel;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.extension.RequiredCapabilities;
import dev.ampoule.mls.framing.Sender;
import dev.ampoule.mls.message.AddProposal;
import dev.ampoule.mls.message.ExternalInitProposal;
import dev.ampoule.mls.message.GroupContextExtensionsProposal;
import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.mls.message.PreSharedKeyProposal;
import dev.ampoule.mls.message.Proposal;
import dev.ampoule.mls.message.ProposalType;
import dev.ampoule.mls.message.ReInitProposal;
import dev.ampoule.mls.message.RemoveProposal;
import dev.ampoule.mls.message.UpdateProposal;
import dev.ampoule.mls.schedule.GroupContext;
import dev.ampoule.mls.schedule.PreSharedKeyId;
import dev.ampoule.mls.schedule.ResumptionPskUsage;
import dev.ampoule.mls.tree.LeafNode;
import dev.ampoule.mls.tree.RatchetTree;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Proposal validation and application (RFC 9420 §12.1, §12.2, §12.3), shared by the Delivery
 * Service's {@link PublicGroup} and the members: a proposal received on its own, and a Commit's
 * whole list, which is checked against the list rules and applied to a copy of the tree.
 */
final class ProposalRules {

    private ProposalRules() {}

    // ---- a single proposal (§12.1) ------------------------------------------------------------

    /**
     * Checks a proposal received on its own against the current state of {@code group}: every rule
     * of its type that does not depend on the Commit that will cover it.
     */
    static void validateStandalone(PublicState group, Proposal proposal, Sender sender) {
        GroupContext context = group.context();
        List<Extension> extensions = context.extensions();
        switch (proposal) {
            case AddProposal add -> LeafValidation.validateKeyPackage(group.config(), group.suite(), context,
                    add.keyPackage(), extensions, group.summary());
            case UpdateProposal update -> {
                int leaf = memberLeaf(sender);
                RatchetTree tree = group.tree();
                validateUpdate(group, tree, leaf, update, extensions);
            }
            case RemoveProposal remove -> removedLeaf(group.tree(), remove);
            case PreSharedKeyProposal psk -> validatePsk(group.suite(), psk.psk());
            case ReInitProposal reInit -> validateReInit(reInit);
            case ExternalInitProposal e ->
                    throw new ValidationException(GroupRule.EXTERNAL_INIT_OUTSIDE_EXTERNAL_COMMIT);
            case GroupContextExtensionsProposal gce ->
                    validateGroupExtensions(group, group.tree(), gce.extensions());
        }
    }

    private static int memberLeaf(Sender sender) {
        if (sender instanceof Sender.Member m) {
            return m.leafIndex();
        }
        throw new ValidationException(GroupRule.UPDATE_FROM_NON_MEMBER);
    }

    private static void validateUpdate(PublicState group, RatchetTree tree, int leafIndex, UpdateProposal update,
            List<Extension> extensions) {
        LeafNode current = tree.leaf(leafIndex)
                .orElseThrow(() -> new ValidationException(GroupRule.SENDER_NOT_MEMBER, "leaf " + leafIndex));
        LeafNode leaf = update.leafNode();
        LeafValidation.validateUpdateLeaf(group.config(), group.suite(), group.context().groupId(), leafIndex,
                leaf, current, extensions, group.summary());
        if (tree.nodeWithEncryptionKey(leaf.encryptionKey()).isPresent()) {
            throw new ValidationException(GroupRule.ENCRYPTION_KEY_NOT_UNIQUE, "update from leaf " + leafIndex);
        }
        OptionalInt holder = tree.leafWithSignatureKey(leaf.signatureKey());
        if (holder.isPresent() && holder.getAsInt() != leafIndex) {
            throw new ValidationException(GroupRule.SIGNATURE_KEY_NOT_UNIQUE, "update from leaf " + leafIndex);
        }
    }

    /** The leaf a Remove names, which must be non-blank (§12.1.3). */
    static int removedLeaf(RatchetTree tree, RemoveProposal remove) {
        OptionalInt leaf = remove.leafIndexIn(tree.leafCount());
        if (leaf.isEmpty() || tree.leaf(leaf.getAsInt()).isEmpty()) {
            throw new ValidationException(GroupRule.REMOVE_BLANK_LEAF, "leaf " + remove.removed());
        }
        return leaf.getAsInt();
    }

    /** §12.1.4: a nonce of KDF.Nh bytes, and no resumption PSK of usage reinit or branch. */
    static void validatePsk(CipherSuite suite, PreSharedKeyId id) {
        id.checkNonceLength(suite);
        if (id instanceof PreSharedKeyId.Resumption r && r.usage() != ResumptionPskUsage.APPLICATION) {
            throw new ValidationException(GroupRule.PSK_USAGE, r.usage().toString());
        }
    }

    /** §12.1.5: the version must not be lower than the group's (mls10). */
    static void validateReInit(ReInitProposal reInit) {
        if (reInit.version() < GroupContext.MLS10) {
            throw new ValidationException(GroupRule.REINIT_VERSION, "version " + reInit.version());
        }
        LeafValidation.requireUniqueTypes(reInit.extensions());
    }

    /**
     * §12.1.7, §11.1, §13.4: the extensions are well-formed, new external senders have valid
     * credentials, and every member of {@code tree} supports each extension and the required
     * capabilities they name.
     */
    static void validateGroupExtensions(PublicState group, RatchetTree tree, List<Extension> extensions) {
        LeafValidation.checkGroupExtensions(extensions);
        LeafValidation.validateExternalSenders(group.config(), group.suite(), extensions, group.externalSenders());
        Optional<RequiredCapabilities> required = LeafValidation.requiredCapabilities(extensions);
        for (int l : tree.occupiedLeaves()) {
            LeafNode leaf = tree.leaf(l).orElseThrow();
            if (required.isPresent() && !leaf.capabilities().satisfies(required.get())) {
                throw new ValidationException(GroupRule.GROUP_EXTENSIONS_UNSUPPORTED, "leaf " + l);
            }
            for (Extension e : extensions) {
                if (!leaf.capabilities().supportsExtension(e.type())) {
                    throw new ValidationException(GroupRule.GROUP_EXTENSIONS_UNSUPPORTED, "leaf " + l);
                }
            }
        }
    }

    // ---- a Commit's list (§12.2) ----------------------------------------------------------------

    /**
     * The list rules of §12.2 that need no tree: for a regular Commit from {@code committer}, or an
     * external Commit when {@code committer} is empty.
     */
    static void checkList(List<CommittedProposal> list, OptionalInt committer) {
        if (committer.isEmpty()) {
            checkExternalList(list);
            return;
        }
        int self = committer.getAsInt();
        Set<Long> touched = new HashSet<>();
        Set<Object> addedKeys = new HashSet<>();
        Set<PreSharedKeyId> psks = new HashSet<>();
        int gce = 0;
        boolean reInit = false;
        for (CommittedProposal cp : list) {
            switch (cp.proposal()) {
                case UpdateProposal u -> {
                    int leaf = memberLeaf(cp.sender());
                    if (leaf == self) {
                        throw new ValidationException(GroupRule.COMMIT_HAS_COMMITTER_UPDATE);
                    }
                    if (!touched.add((long) leaf)) {
                        throw new ValidationException(GroupRule.DUPLICATE_UPDATE_OR_REMOVE, "leaf " + leaf);
                    }
                }
                case RemoveProposal r -> {
                    if (r.removed() == self) {
                        throw new ValidationException(GroupRule.COMMIT_REMOVES_COMMITTER);
                    }
                    if (!touched.add(r.removed())) {
                        throw new ValidationException(GroupRule.DUPLICATE_UPDATE_OR_REMOVE, "leaf " + r.removed());
                    }
                }
                case AddProposal a -> {
                    if (!addedKeys.add(a.keyPackage().leafNode().signatureKey())) {
                        throw new ValidationException(GroupRule.DUPLICATE_ADD);
                    }
                }
                case PreSharedKeyProposal p -> {
                    if (!psks.add(p.psk())) {
                        throw new ValidationException(GroupRule.DUPLICATE_PSK);
                    }
                }
                case GroupContextExtensionsProposal g -> gce++;
                case ReInitProposal ri -> reInit = true;
                case ExternalInitProposal e -> throw new ValidationException(
                        GroupRule.EXTERNAL_INIT_OUTSIDE_EXTERNAL_COMMIT);
            }
        }
        if (gce > 1) {
            throw new ValidationException(GroupRule.MULTIPLE_GROUP_CONTEXT_EXTENSIONS);
        }
        if (reInit && list.size() > 1) {
            throw new ValidationException(GroupRule.REINIT_NOT_ALONE);
        }
    }

    private static void checkExternalList(List<CommittedProposal> list) {
        int externalInits = 0;
        int removes = 0;
        Set<PreSharedKeyId> psks = new HashSet<>();
        for (CommittedProposal cp : list) {
            if (cp.ref().isPresent()) {
                throw new ValidationException(GroupRule.EXTERNAL_COMMIT_BY_REFERENCE);
            }
            switch (cp.proposal()) {
                case ExternalInitProposal e -> externalInits++;
                case RemoveProposal r -> removes++;
                case PreSharedKeyProposal p -> {
                    if (!psks.add(p.psk())) {
                        throw new ValidationException(GroupRule.DUPLICATE_PSK);
                    }
                }
                default -> throw new ValidationException(GroupRule.EXTERNAL_COMMIT_PROPOSAL_TYPE,
                        "type " + cp.proposal().type());
            }
        }
        if (externalInits != 1) {
            throw new ValidationException(GroupRule.EXTERNAL_COMMIT_EXTERNAL_INIT, externalInits + " found");
        }
        if (removes > 1) {
            throw new ValidationException(GroupRule.EXTERNAL_COMMIT_PROPOSAL_TYPE, removes + " removes");
        }
    }

    // ---- applying the list (§12.3) -----------------------------------------------------------

    /** From this many Adds on, their KeyPackages are validated on several cores. */
    private static final int PARALLEL_VALIDATIONS = 4;

    /**
     * The KeyPackage validation (§10.1, §12.1.1) of every Add of {@code list}, in list order, on
     * several cores: two signatures and two HPKE key checks each, independent of each other and of
     * the tree. A Commit adding a whole care network validates thousands. The failures come back
     * per Add (null where valid), so that {@link #apply} reports them in list order among its own
     * checks, as if validated one by one.
     */
    private static RuntimeException[] validateKeyPackages(PublicState group, List<CommittedProposal> list,
            List<Extension> extensions) {
        List<KeyPackage> adds = new ArrayList<>();
        for (CommittedProposal cp : list) {
            if (cp.proposal() instanceof AddProposal a) {
                adds.add(a.keyPackage());
            }
        }
        // Their signatures are verified together first (Ed25519: one equation for all of them,
        // crypto/bc/Ed25519Batch); only if one fails does each KeyPackage verify its own, so that
        // the failure reported is the one a validation one by one reports.
        LeafValidation.KeyPackageSignatures signatures = KeyPackage.signaturesVerify(group.suite(), adds)
                ? LeafValidation.KeyPackageSignatures.VERIFIED
                : LeafValidation.KeyPackageSignatures.VERIFY;
        return Parallel.attempt(adds.size(), PARALLEL_VALIDATIONS, i -> LeafValidation.validateKeyPackage(
                group.config(), group.suite(), group.context(), adds.get(i), extensions, group.summary(), signatures));
    }

    /**
     * Validates each proposal of {@code list} and applies the list to {@code next}, a copy of the
     * group's tree, in the order of §12.3: GroupContextExtensions, Updates, Removes, Adds (in list
     * order), then PSKs, ExternalInit and ReInit are collected. The list rules ({@link #checkList})
     * must have passed. {@code next} is left in an undefined state when this throws.
     */
    static AppliedProposals apply(PublicState group, RatchetTree next, List<CommittedProposal> list) {
        return apply(group, next, list, Optional.empty());
    }

    /**
     * {@link #apply(PublicState, RatchetTree, List)} where the resumption PSK {@code reInitOrBranch}
     * (usage reinit or branch) is allowed: the first Commit of a reinitialized or branched group
     * (§11.2, §11.3).
     */
    static AppliedProposals apply(PublicState group, RatchetTree next, List<CommittedProposal> list,
            Optional<PreSharedKeyId> reInitOrBranch) {
        GroupContext context = group.context();
        List<Extension> extensions = context.extensions();
        boolean extensionsChanged = false;
        for (CommittedProposal cp : list) {
            if (cp.proposal() instanceof GroupContextExtensionsProposal g) {
                LeafValidation.checkGroupExtensions(g.extensions());
                extensions = g.extensions();
                extensionsChanged = true;
            }
        }
        List<Integer> updated = new ArrayList<>();
        for (CommittedProposal cp : list) {
            if (cp.proposal() instanceof UpdateProposal u) {
                int leaf = memberLeaf(cp.sender());
                validateUpdate(group, next, leaf, u, extensions);
                next.update(leaf, u.leafNode());
                updated.add(leaf);
            }
        }
        List<Member> removed = new ArrayList<>();
        for (CommittedProposal cp : list) {
            if (cp.proposal() instanceof RemoveProposal r) {
                int leaf = removedLeaf(next, r);
                removed.add(Member.of(leaf, next.leaf(leaf).orElseThrow()));
                next.remove(leaf);
            }
        }
        List<Integer> added = new ArrayList<>();
        List<KeyPackage> addedKeyPackages = new ArrayList<>();
        RuntimeException[] invalid = validateKeyPackages(group, list, extensions);
        int addIndex = 0;
        for (CommittedProposal cp : list) {
            if (cp.proposal() instanceof AddProposal a) {
                KeyPackage kp = a.keyPackage();
                RuntimeException failure = invalid[addIndex++];
                if (failure != null) {
                    throw failure;
                }
                LeafNode leaf = kp.leafNode();
                if (next.leafWithSignatureKey(leaf.signatureKey()).isPresent()) {
                    throw new ValidationException(GroupRule.ADD_EXISTING_MEMBER);
                }
                if (next.nodeWithEncryptionKey(leaf.encryptionKey()).isPresent()) {
                    throw new ValidationException(GroupRule.ENCRYPTION_KEY_NOT_UNIQUE, "added leaf");
                }
                added.add(next.add(leaf));
                addedKeyPackages.add(kp);
            }
        }
        List<PreSharedKeyId> psks = new ArrayList<>();
        Optional<ExternalInitProposal> externalInit = Optional.empty();
        Optional<ReInitProposal> reInit = Optional.empty();
        List<Integer> types = new ArrayList<>(list.size());
        for (CommittedProposal cp : list) {
            types.add(cp.proposal().type());
            switch (cp.proposal()) {
                case PreSharedKeyProposal p -> {
                    if (reInitOrBranch.isPresent() && reInitOrBranch.get().equals(p.psk())) {
                        p.psk().checkNonceLength(group.suite());
                    } else {
                        validatePsk(group.suite(), p.psk());
                    }
                    psks.add(p.psk());
                }
                case ExternalInitProposal e -> externalInit = Optional.of(e);
                case ReInitProposal r -> {
                    validateReInit(r);
                    reInit = Optional.of(r);
                }
                default -> { }
            }
        }
        if (extensionsChanged) {
            validateGroupExtensions(group, next, extensions);
        }
        boolean pathRequired = types.isEmpty() || types.stream().anyMatch(ProposalType::requiresPath);
        return new AppliedProposals(list, extensions, extensionsChanged, added, addedKeyPackages, removed, updated,
                psks, externalInit, reInit, pathRequired);
    }
}
