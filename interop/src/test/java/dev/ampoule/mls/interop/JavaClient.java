package dev.ampoule.mls.interop;

import dev.ampoule.mls.credential.BasicCredentialValidator;
import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.extension.Extension;
import dev.ampoule.mls.extension.ExtensionType;
import dev.ampoule.mls.extension.ExternalPub;
import dev.ampoule.mls.extension.ExternalSenders.ExternalSender;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.framing.WireFormat;
import dev.ampoule.mls.group.CommitOptions;
import dev.ampoule.mls.group.ExternalJoin;
import dev.ampoule.mls.group.ExternalJoinOptions;
import dev.ampoule.mls.group.Group;
import dev.ampoule.mls.group.GroupConfig;
import dev.ampoule.mls.group.KeyPackageBundle;
import dev.ampoule.mls.group.PendingCommit;
import dev.ampoule.mls.group.Processed;
import dev.ampoule.mls.group.StagedCommit;
import dev.ampoule.mls.message.GroupInfo;
import dev.ampoule.mls.message.KeyPackage;
import dev.ampoule.mls.message.Welcome;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/** A group-protocol client: a {@link Group} with a basic credential and one signature key pair. */
final class JavaClient implements Client {

    private final String name;
    private final CipherSuite suite;
    private final GroupConfig config;
    private final Credential credential;
    private final SignatureKeyPair signatureKeys;
    private KeyPackageBundle bundle;
    private Group group;

    /**
     * @param handshake whether Proposals and Commits go out as PublicMessage or PrivateMessage
     * @param externalSenders the external_senders of a group this client creates
     */
    JavaClient(String name, CipherSuite suite, WireFormat handshake, List<ExternalSender> externalSenders) {
        this.name = name;
        this.suite = suite;
        this.config = GroupConfig.builder()
                .authenticationService(BasicCredentialValidator.acceptingAnyIdentity())
                .handshakeFormat(handshake)
                .externalSenders(externalSenders)
                .build();
        this.credential = new Credential.Basic(name.getBytes(StandardCharsets.UTF_8));
        this.signatureKeys = suite.generateSignatureKeyPair();
    }

    JavaClient(String name, CipherSuite suite, WireFormat handshake) {
        this(name, suite, handshake, List.of());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Impl impl() {
        return Impl.JAVA;
    }

    /** The underlying group, for checks the interface does not cover. */
    Group group() {
        return group;
    }

    @Override
    public byte[] keyPackage() {
        bundle = KeyPackageBundle.builder(suite, credential, signatureKeys).build();
        return new MlsMessage.OfKeyPackage(bundle.keyPackage()).toBytes();
    }

    @Override
    public void create(byte[] groupId) {
        group = Group.create(config, suite, groupId, credential, signatureKeys);
    }

    @Override
    public void join(byte[] welcome) {
        group = Group.join(config, welcome(welcome), bundle, Optional.empty());
    }

    @Override
    public byte[] joinExternal(byte[] groupInfo) {
        return joinExternal(groupInfo, ExternalJoinOptions.defaults());
    }

    @Override
    public byte[] resync(byte[] groupInfo) {
        return joinExternal(groupInfo, ExternalJoinOptions.builder().resync(group.ownLeafIndex()).build());
    }

    private byte[] joinExternal(byte[] groupInfo, ExternalJoinOptions options) {
        GroupInfo gi = ((MlsMessage.OfGroupInfo) MlsMessage.fromBytes(groupInfo)).groupInfo();
        ExternalJoin join = Group.joinExternal(config, gi, Optional.empty(), credential, signatureKeys, options);
        group = join.group();
        group.mergePendingCommit();
        return join.commit().toBytes();
    }

    @Override
    public Sent commit(List<byte[]> adds, List<Integer> removes) {
        return commit(adds, removes, false);
    }

    /** A Commit that carries an UpdatePath even when its proposals do not need one. */
    Sent commitWithPath() {
        return commitWithPath(List.of());
    }

    /** Adds by value in a Commit with an UpdatePath: the Welcome carries a path secret. */
    Sent commitWithPath(List<byte[]> adds) {
        return commit(adds, List.of(), true);
    }

    private Sent commit(List<byte[]> adds, List<Integer> removes, boolean forcePath) {
        CommitOptions.Builder options = CommitOptions.builder().forcePath(forcePath);
        adds.forEach(kp -> options.add(keyPackageOf(kp)));
        removes.forEach(options::remove);
        PendingCommit pending = group.commit(options.build());
        group.mergePendingCommit();
        return new Sent(pending.commit().toBytes(), pending.welcome().map(MlsMessage::toBytes));
    }

    @Override
    public byte[] proposeAdd(byte[] keyPackage) {
        return group.proposeAdd(keyPackageOf(keyPackage)).toBytes();
    }

    @Override
    public byte[] proposeRemove(int leafIndex) {
        return group.proposeRemove(leafIndex).toBytes();
    }

    /** An Update proposal with a fresh leaf encryption key (RFC 9420 §12.1.2). */
    byte[] proposeUpdate() {
        return group.proposeUpdate().toBytes();
    }

    @Override
    public byte[] encrypt(byte[] data) {
        return group.encrypt(data, new byte[0]).toBytes();
    }

    @Override
    public Received process(byte[] message) {
        Processed processed = group.process(MlsMessage.fromBytes(message));
        return switch (processed) {
            case Processed.ApplicationMessage app -> new Received.Application(app.data());
            case Processed.ProposalMessage p -> new Received.Proposal();
            case StagedCommit staged -> {
                boolean removed = staged.removesSelf();
                group.merge(staged);
                yield new Received.Commit(removed);
            }
        };
    }

    @Override
    public long epoch() {
        return group.epoch();
    }

    @Override
    public byte[] epochAuthenticator() {
        return group.epochAuthenticator();
    }

    @Override
    public byte[] exporter(String label, byte[] context, int length) {
        return group.exporter(label, context, length);
    }

    @Override
    public boolean active() {
        return group.isActive();
    }

    @Override
    public int leafIndex() {
        return group.ownLeafIndex();
    }

    @Override
    public byte[] groupInfo(Impl reader) {
        GroupInfo info = group.groupInfo(true);
        if (reader == Impl.TS_MLS) {
            // Test-only: the GroupInfo re-signed with external_pub as the bare HPKE key ts-mls reads.
            List<Extension> extensions = info.extensions().stream()
                    .map(e -> e.type() == ExtensionType.EXTERNAL_PUB
                            ? new Extension(e.type(), e.parse(ExternalPub::decode).externalPub().bytes())
                            : e)
                    .toList();
            info = GroupInfo.create(suite, signatureKeys.privateKey(), info.groupContext(), extensions,
                    info.confirmationTag(), info.signer());
        }
        return new MlsMessage.OfGroupInfo(info).toBytes();
    }

    static KeyPackage keyPackageOf(byte[] message) {
        return ((MlsMessage.OfKeyPackage) MlsMessage.fromBytes(message)).keyPackage();
    }

    static Welcome welcome(byte[] message) {
        return ((MlsMessage.OfWelcome) MlsMessage.fromBytes(message)).welcome();
    }

    @Override
    public String toString() {
        return name + " (" + impl() + ")";
    }
}
