package dev.ampoule.mls.group;

import dev.ampoule.mls.credential.BasicCredentialValidator;
import dev.ampoule.mls.credential.Credential;
import dev.ampoule.mls.crypto.CipherSuite;
import dev.ampoule.mls.crypto.SignatureKeyPair;
import dev.ampoule.mls.extension.ExternalSenders;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.framing.WireFormat;
import dev.ampoule.mls.message.KeyPackage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A live group for the fuzz tests of message processing, and the genuine messages of one of its
 * epochs: seeds that pass every check, which the fuzzer then mutates. Keys are fresh in each JVM,
 * so the seeds are made at test time, with the group they belong to.
 *
 * <p>Alice created the group (with the relay's key as its external sender) and added Bob, Carol
 * and Dave; everything below is made at that epoch (1), each message independently of the others:
 * application messages of Alice and Carol; proposals of Carol (Update), Alice (Remove Dave, Add
 * Erin, group context extensions) and the external sender (Add Erin, Remove Dave); Commits of
 * Alice (empty with a path, Add Erin with its Welcome, Remove Dave) and of Carol (with an
 * UpdatePath); the same handshakes as PrivateMessages; Frank's external join; Alice's GroupInfo and
 * Erin's KeyPackage. {@link #receiver} is Bob, {@link #deliveryService} the relay's public view.
 */
public final class FuzzGroups {

    public static final CipherSuite SUITE = TestClients.SUITE;
    public static final GroupConfig CONFIG = TestClients.CONFIG;

    /** The configuration of every member (with the relay's key as external sender). */
    public final GroupConfig config;
    /** Bob's group at epoch 1, which every message is for. */
    public final Group receiver;
    /** The group's public state at epoch 1, as the relay holds it. */
    public final PublicGroup deliveryService;
    /** Erin's KeyPackage (last resort: it can join any number of times), added by the Welcome. */
    public final KeyPackageBundle joiner;
    /** The genuine messages of epoch 1, encoded MLSMessages. */
    public final List<byte[]> messages;

    private FuzzGroups(GroupConfig config, Group receiver, PublicGroup deliveryService, KeyPackageBundle joiner, List<byte[]> messages) {
        this.config = config;
        this.receiver = receiver;
        this.deliveryService = deliveryService;
        this.joiner = joiner;
        this.messages = List.copyOf(messages);
    }

    /** A new group and its messages (a few hundred milliseconds of key generation and signing). */
    public static FuzzGroups create() {
        SignatureKeyPair relayKey = SUITE.generateSignatureKeyPair();
        GroupConfig config = CONFIG.toBuilder().externalSenders(List.of(new ExternalSenders.ExternalSender(
                relayKey.publicKey(), credential("relay")))).build();
        Group alice = Group.create(config, SUITE, SUITE.randomBytes(16), credential("alice"),
                SUITE.generateSignatureKeyPair());
        KeyPackageBundle bob = TestClients.keyPackage("bob");
        KeyPackageBundle carol = TestClients.keyPackage("carol");
        KeyPackageBundle dave = TestClients.keyPackage("dave");
        PendingCommit add = alice.commit(CommitOptions.builder().add(bob.keyPackage()).add(carol.keyPackage())
                .add(dave.keyPackage()).build());
        alice.mergePendingCommit();
        Group bobGroup = TestClients.join(config, add, bob);
        Group carolGroup = TestClients.join(config, add, carol);
        PublicGroup relay = alice.publicGroup();
        KeyPackageBundle erin = KeyPackageBundle.builder(SUITE, credential("erin"), SUITE.generateSignatureKeyPair())
                .lastResort(true).build();
        int daveLeaf = leafOf(alice, "dave");
        byte[] groupId = alice.groupId();
        long epoch = alice.epoch();

        List<MlsMessage> out = new ArrayList<>();
        out.add(alice.encrypt(utf8("the 08:00 dose was given"), new byte[0]));
        out.add(carolGroup.encrypt(utf8("thanks"), utf8("ad")));
        out.add(carolGroup.proposeUpdate());
        out.add(alice.proposeRemove(daveLeaf));
        out.add(alice.proposeAdd(erin.keyPackage()));
        out.add(alice.proposeGroupContextExtensions(alice.groupContext().extensions()));
        out.add(ExternalProposals.add(SUITE, groupId, epoch, 0, relayKey.privateKey(), erin.keyPackage()));
        out.add(ExternalProposals.remove(SUITE, groupId, epoch, 0, relayKey.privateKey(), daveLeaf));
        out.add(ExternalProposals.joinRequest(TestClients.keyPackage("gina"), groupId, epoch));
        out.addAll(commit(alice, ownOnly().forcePath(true).build()));
        out.addAll(commit(alice, ownOnly().add(erin.keyPackage()).build()));
        out.addAll(commit(alice, ownOnly().remove(daveLeaf).build()));
        out.addAll(commit(carolGroup, ownOnly().forcePath(true).build()));
        out.add(new MlsMessage.OfGroupInfo(alice.groupInfo(true)));
        out.add(new MlsMessage.OfKeyPackage(erin.keyPackage()));
        ExternalJoin frank = Group.joinExternal(config, alice.groupInfo(true), Optional.empty(), credential("frank"),
                SUITE.generateSignatureKeyPair(), ExternalJoinOptions.defaults());
        out.add(frank.commit());

        // the same handshakes as PrivateMessages
        Group alicePrivate = Group.restore(alice.toBytes(),
                config.toBuilder().handshakeFormat(WireFormat.PRIVATE_MESSAGE).build());
        out.add(alicePrivate.proposeRemove(daveLeaf));
        out.addAll(commit(alicePrivate, ownOnly().add(erin.keyPackage()).build()));

        List<byte[]> encoded = new ArrayList<>();
        out.forEach(m -> encoded.add(m.toBytes()));
        return new FuzzGroups(config, bobGroup, relay, erin, encoded);
    }

    /** Commit options without the proposals of the epoch: every Commit here stands on its own. */
    private static CommitOptions.Builder ownOnly() {
        return CommitOptions.builder().includePendingProposals(false);
    }

    /** The Commit (and the Welcome, if any) of {@code options}, then forgets it: the group stays at its epoch. */
    private static List<MlsMessage> commit(Group committer, CommitOptions options) {
        PendingCommit pending = committer.commit(options);
        committer.discardPendingCommit();
        List<MlsMessage> out = new ArrayList<>();
        out.add(pending.commit());
        pending.welcome().ifPresent(out::add);
        return out;
    }

    private static int leafOf(Group group, String name) {
        return group.members().stream().filter(m -> m.credential().equals(credential(name))).findFirst()
                .orElseThrow().leafIndex();
    }

    /** A basic credential naming {@code name}. */
    public static Credential credential(String name) {
        return new Credential.Basic(utf8(name));
    }

    /** Erin's KeyPackage, as published. */
    public KeyPackage joinerKeyPackage() {
        return joiner.keyPackage();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
