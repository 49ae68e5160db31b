package dev.ampoule.relay.ds;

import dev.ampoule.mls.codec.TlsWriter;
import dev.ampoule.mls.credential.AuthenticationService;
import dev.ampoule.mls.credential.BasicCredentialValidator;
import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.credential.CredentialContext;
import dev.ampoule.mls.credential.CredentialRule;
import dev.ampoule.mls.credential.X509EndEntity;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.CipherSuiteId;
import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.mls.crypto.bc.BcCipherSuites;
import dev.ampoule.mls.error.InternalException;
import dev.ampoule.mls.error.ValidationException;
import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.extension.ExtensionType;
import dev.ampoule.mls.extension.ExternalSenders;
import dev.ampoule.mls.framing.Content;
import dev.ampoule.mls.framing.FramingRule;
import dev.ampoule.mls.framing.PublicMessage;
import dev.ampoule.mls.group.CommittedProposal;
import dev.ampoule.mls.message.AddProposal;
import dev.ampoule.mls.message.Proposal;
import dev.ampoule.mls.message.RemoveProposal;
import dev.ampoule.mls.message.UpdateProposal;
import dev.ampoule.mls.framing.Sender;
import dev.ampoule.mls.group.GroupConfig;
import dev.ampoule.mls.group.Member;
import dev.ampoule.mls.group.PublicGroup;
import dev.ampoule.mls.group.StagedPublicCommit;
import dev.ampoule.mls.message.GroupInfo;
import dev.ampoule.mls.tree.LeafNode;
import dev.ampoule.mls.tree.RatchetTree;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link GroupView} over group-protocol's {@link PublicGroup}: signatures, proposal rules, commit
 * staging and merging are PublicGroup's; this class maps members to devices and checks a commit
 * bundle's GroupInfo against the staged epoch.
 */
public final class PublicGroupView implements GroupView {

    /**
     * The relay's Authentication Service: leaves (KeyPackages, Updates, commit paths, tree members)
     * must carry a credential naming a device ({@link #deviceOf}): a basic credential
     * {@code <user>#<device>} (see {@link DeviceId}), or an X.509 credential whose end-entity
     * certificate certifies the leaf's signature key and names the device with its subjectAltName URI
     * {@code ampoule://<user>/<device>}. The relay holds no trust anchor and does not validate
     * certificate chains: members do (IDENTITY.md). An {@code external_senders} entry must carry the
     * relay's own identity ({@link ExternalSenderKeys#IDENTITY}), which names no device. A member's
     * new credential may replace its current one when both name the same device.
     */
    public static final AuthenticationService AUTHENTICATION_SERVICE = new AuthenticationService() {
        private final BasicCredentialValidator devices =
                BasicCredentialValidator.trusting(id -> DeviceId.fromIdentity(id).isPresent());
        private final BasicCredentialValidator relay = BasicCredentialValidator.trusting(ExternalSenderKeys::isRelayIdentity);

        @Override
        public void validate(Credential credential, SignaturePublicKey signatureKey, CipherSuiteId suite,
                CredentialContext context) {
            if (context == CredentialContext.EXTERNAL_SENDER) {
                relay.validate(credential, signatureKey, suite, context);
                return;
            }
            switch (credential) {
                case Credential.Basic b -> devices.validate(b, signatureKey, suite, context);
                case Credential.X509 x -> {
                    X509EndEntity.of(x).checkSignatureKey(signatureKey, suite);
                    if (deviceOf(x).isEmpty()) {
                        throw new ValidationException(CredentialRule.UNKNOWN_IDENTITY, "no device name");
                    }
                }
            }
        }

        @Override
        public boolean allowsReplacement(Credential current, Credential successor) {
            Optional<DeviceId> device = deviceOf(current);
            return device.isPresent() && device.equals(deviceOf(successor));
        }
    };

    /** The relay's group configuration ({@link #AUTHENTICATION_SERVICE}). */
    public static final GroupConfig CONFIG = GroupConfig.builder()
            .authenticationService(AUTHENTICATION_SERVICE)
            .build();

    private final PublicGroup group;
    private Set<DeviceId> devices;

    private PublicGroupView(PublicGroup group) {
        this.group = group;
        this.devices = devicesOf(group.members());
    }

    /**
     * The group a GroupInfo and ratchet tree describe (all signatures, tree hash and parent hashes
     * verified, O(N)).
     *
     * @throws ValidationException or {@link dev.ampoule.mls.error.DecodeException}
     */
    public static PublicGroupView fromGroupInfo(GroupInfo groupInfo, Optional<Bytes> ratchetTree) {
        CipherSuite suite = BcCipherSuites.require(groupInfo.groupContext().cipherSuite());
        Optional<RatchetTree> tree = ratchetTree.map(b -> RatchetTree.decode(suite, b.unsafeArray()));
        return new PublicGroupView(PublicGroup.fromGroupInfo(CONFIG, groupInfo, tree));
    }

    static Set<DeviceId> devicesOf(List<Member> members) {
        Set<DeviceId> out = new HashSet<>();
        for (Member m : members) {
            deviceOf(m.credential()).ifPresent(out::add);
        }
        return Set.copyOf(out);
    }

    /**
     * The device a member's credential names: a basic credential's identity {@code <user>#<device>};
     * for an X.509 credential, the one subjectAltName URI {@code ampoule://<user>/<device>} of its
     * end-entity certificate (none when the certificate does not parse or has no such URI, or
     * several). Names read from certificates are remembered (at most {@value #NAMES_CACHED} chains).
     */
    static Optional<DeviceId> deviceOf(Credential credential) {
        return switch (credential) {
            case Credential.Basic b -> DeviceId.fromIdentity(b.identity());
            case Credential.X509 x -> {
                Optional<DeviceId> known = CERTIFIED_NAMES.get(x);
                if (known == null) {
                    known = certifiedName(x);
                    if (CERTIFIED_NAMES.size() >= NAMES_CACHED) {
                        CERTIFIED_NAMES.clear();
                    }
                    CERTIFIED_NAMES.put(x, known);
                }
                yield known;
            }
        };
    }

    private static final int NAMES_CACHED = 65_536;
    private static final ConcurrentHashMap<Credential.X509, Optional<DeviceId>> CERTIFIED_NAMES = new ConcurrentHashMap<>();

    private static Optional<DeviceId> certifiedName(Credential.X509 credential) {
        try {
            List<String> names = X509EndEntity.of(credential).subjectAltNameUris().stream()
                    .filter(u -> u.startsWith(DeviceId.URI_PREFIX)).toList();
            return names.size() == 1 ? DeviceId.fromUri(names.getFirst()) : Optional.empty();
        } catch (ValidationException malformed) {
            return Optional.empty();
        }
    }

    static Bytes encodeTree(RatchetTree tree) {
        TlsWriter w = new TlsWriter(1024);
        tree.encode(w);
        return Bytes.wrap(w.toByteArray());
    }

    public PublicGroup publicGroup() {
        return group;
    }

    @Override
    public long epoch() {
        return group.epoch();
    }

    @Override
    public Set<DeviceId> devices() {
        return devices;
    }

    @Override
    public int memberCount() {
        return group.tree().memberCount();
    }

    @Override
    public int cipherSuite() {
        return group.suite().id().wire();
    }

    @Override
    public List<ExternalSenders.ExternalSender> externalSenders() {
        return group.externalSenders();
    }

    @Override
    public Map<Integer, DeviceId> leavesOf(Set<String> userIds) {
        Map<Integer, DeviceId> out = new TreeMap<>();
        if (userIds.isEmpty()) {
            return out;
        }
        for (Member m : group.members()) {
            deviceOf(m.credential()).filter(d -> userIds.contains(d.userId())).ifPresent(d -> out.put(m.leafIndex(), d));
        }
        return out;
    }

    /** The external senders a GroupContext's extensions list (empty without, or when malformed). */
    static List<ExternalSenders.ExternalSender> externalSendersOf(List<Extension> extensions) {
        return Extension.find(extensions, ExtensionType.EXTERNAL_SENDERS)
                .map(e -> e.parse(ExternalSenders::decode).senders())
                .orElse(List.of());
    }

    @Override
    public Optional<DeviceId> senderDevice(PublicMessage message) {
        if (message.content().sender() instanceof Sender.Member m) {
            return group.member(m.leafIndex()).flatMap(member -> deviceOf(member.credential()));
        }
        return Optional.empty();
    }

    @Override
    public Bytes ratchetTree() {
        return encodeTree(group.tree());
    }

    @Override
    public void processProposal(PublicMessage proposal) {
        group.processProposal(proposal);
    }

    private record StagedImpl(StagedPublicCommit staged, Optional<DeviceId> committer, Set<DeviceId> added,
            Set<DeviceId> removed, Set<DeviceId> devicesAfter, int memberCountAfter, Bytes ratchetTreeAfter,
            CareTeamPolicy.Commit policyFacts) implements Staged {
        @Override
        public List<ExternalSenders.ExternalSender> externalSendersAfter() {
            return externalSendersOf(staged.groupContext().extensions());
        }

        @Override
        public long newEpoch() {
            return staged.epoch();
        }

        @Override
        public boolean external() {
            return staged.isExternal();
        }
    }

    @Override
    public Staged stageCommit(PublicMessage commit, GroupInfo groupInfo) {
        StagedPublicCommit staged = group.stageCommit(commit);
        RatchetTree next = staged.tree();
        if (!Arrays.equals(groupInfo.groupContext().toBytes(), staged.groupContext().toBytes())) {
            throw new ValidationException(RelayRule.GROUP_INFO_CONTEXT_MISMATCH);
        }
        if (!Arrays.equals(groupInfo.confirmationTag(), staged.content().confirmationTag())) {
            throw new ValidationException(RelayRule.GROUP_INFO_TAG_MISMATCH);
        }
        LeafNode signer = next.leaf(groupInfo.signer())
                .orElseThrow(() -> new ValidationException(RelayRule.GROUP_INFO_SIGNER_NOT_MEMBER));
        groupInfo.checkSignature(group.suite(), signer.signatureKey());
        Optional<DeviceId> committer = next.leaf(staged.committerLeaf()).flatMap(l -> deviceOf(l.credential()));
        Set<DeviceId> added = new HashSet<>();
        staged.addedMembers().forEach(m -> deviceOf(m.credential()).ifPresent(added::add));
        Set<DeviceId> after = new HashSet<>();
        for (int leaf : next.occupiedLeaves()) {
            next.leaf(leaf).flatMap(l -> deviceOf(l.credential())).ifPresent(after::add);
        }
        Set<DeviceId> removed = new HashSet<>(devices);
        removed.removeAll(after);
        if (staged.isExternal()) {
            committer.ifPresent(added::add);
        }
        return new StagedImpl(staged, committer, Set.copyOf(added), Set.copyOf(removed), Set.copyOf(after),
                next.memberCount(), encodeTree(next), policyFacts(staged, next));
    }

    // ---- facts for the care-team policy ----------------------------------------------------------

    @Override
    public List<CareTeamPolicy.LeafKey> leaves() {
        List<CareTeamPolicy.LeafKey> out = new ArrayList<>();
        for (Member m : group.members()) {
            out.add(new CareTeamPolicy.LeafKey(m.leafIndex(), deviceOf(m.credential()), m.signatureKey(),
                    Optional.empty()));
        }
        return out;
    }

    @Override
    public ProposalFacts proposalFacts(PublicMessage message) {
        Sender sender = message.content().sender();
        if (!(message.content().content() instanceof Content.ProposalContent pc)) {
            throw new ValidationException(FramingRule.SENDER_CONTENT_MISMATCH, "not a proposal");
        }
        CareTeamPolicy.Origin origin = originOf(sender, Optional.empty());
        List<CareTeamPolicy.LeafKey> leaves = new ArrayList<>();
        switch (pc.proposal()) {
            case AddProposal a -> leaves.add(new CareTeamPolicy.LeafKey(-1, deviceOf(a.keyPackage().leafNode().credential()),
                    a.keyPackage().leafNode().signatureKey(), Optional.empty()));
            case UpdateProposal u -> {
                if (sender instanceof Sender.Member m) {
                    leaves.add(new CareTeamPolicy.LeafKey(m.leafIndex(), deviceOf(u.leafNode().credential()),
                            u.leafNode().signatureKey(), group.member(m.leafIndex()).map(Member::signatureKey)));
                }
            }
            default -> {
            }
        }
        return new ProposalFacts(new CareTeamPolicy.Proposed(pc.proposal(), origin,
                subjectOf(pc.proposal(), sender, Map.of())), leaves);
    }

    /** The sender as the policy names it; {@code joiner} is the device of an external commit's new leaf. */
    private CareTeamPolicy.Origin originOf(Sender sender, Optional<DeviceId> joiner) {
        return switch (sender) {
            case Sender.External e -> new CareTeamPolicy.Origin.Relay();
            case Sender.Member m -> new CareTeamPolicy.Origin.Member(
                    group.member(m.leafIndex()).flatMap(x -> deviceOf(x.credential())));
            case Sender.NewMemberCommit n -> new CareTeamPolicy.Origin.Joiner(joiner);
            case Sender.NewMemberProposal n -> new CareTeamPolicy.Origin.Member(Optional.empty());
        };
    }

    /** Whom a proposal concerns: an Add's device, a Remove's (before the Commit), an Update's sender. */
    private Optional<DeviceId> subjectOf(Proposal proposal, Sender sender, Map<Integer, Member> removed) {
        return switch (proposal) {
            case AddProposal a -> deviceOf(a.keyPackage().leafNode().credential());
            case RemoveProposal r -> {
                if (r.removed() > Integer.MAX_VALUE) {
                    yield Optional.empty();
                }
                int leaf = (int) r.removed();
                Optional<Member> m = removed.containsKey(leaf) ? Optional.of(removed.get(leaf)) : group.member(leaf);
                yield m.flatMap(x -> deviceOf(x.credential()));
            }
            case UpdateProposal u -> sender instanceof Sender.Member m
                    ? group.member(m.leafIndex()).flatMap(x -> deviceOf(x.credential())) : Optional.empty();
            default -> Optional.empty();
        };
    }

    /** A staged Commit as the policy sees it: leaves added, updated, and the leaf of its path. */
    private CareTeamPolicy.Commit policyFacts(StagedPublicCommit staged, RatchetTree next) {
        Optional<DeviceId> joiner = staged.isExternal()
                ? next.leaf(staged.committerLeaf()).flatMap(l -> deviceOf(l.credential())) : Optional.empty();
        Map<Integer, Member> removed = new java.util.HashMap<>();
        staged.removedMembers().forEach(m -> removed.put(m.leafIndex(), m));
        List<CareTeamPolicy.Proposed> proposals = new ArrayList<>();
        for (CommittedProposal p : staged.proposals()) {
            proposals.add(new CareTeamPolicy.Proposed(p.proposal(), originOf(p.sender(), joiner),
                    subjectOf(p.proposal(), p.sender(), removed)));
        }
        List<CareTeamPolicy.LeafKey> leaves = new ArrayList<>();
        for (Member m : staged.addedMembers()) {
            leaves.add(new CareTeamPolicy.LeafKey(m.leafIndex(), deviceOf(m.credential()), m.signatureKey(),
                    Optional.empty()));
        }
        List<Integer> changed = new ArrayList<>(staged.updatedLeaves());
        if (staged.hasPath()) {
            changed.add(staged.committerLeaf());
        }
        for (int leaf : changed) {
            Optional<LeafNode> after = next.leaf(leaf);
            if (after.isEmpty()) {
                continue;
            }
            Optional<SignaturePublicKey> before = staged.isExternal() && leaf == staged.committerLeaf()
                    ? Optional.empty() : group.member(leaf).map(Member::signatureKey);
            leaves.add(new CareTeamPolicy.LeafKey(leaf, deviceOf(after.get().credential()), after.get().signatureKey(),
                    before));
        }
        CareTeamPolicy.Origin committer = staged.isExternal() ? new CareTeamPolicy.Origin.Joiner(joiner)
                : originOf(staged.committer(), Optional.empty());
        return new CareTeamPolicy.Commit(committer, proposals, leaves);
    }

    @Override
    public void merge(Staged staged) {
        if (!(staged instanceof StagedImpl s)) {
            throw new InternalException("not staged by this view");
        }
        group.merge(s.staged());
        devices = s.devicesAfter();
    }
}
