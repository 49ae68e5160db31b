package dev.ampoule.mls.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.group.GroupConfig;
import dev.ampoule.mls.group.PublicGroup;
import dev.ampoule.mls.group.StagedPublicCommit;
import dev.ampoule.mls.message.GroupInfo;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A group shared by clients of both implementations, with the suite as its Delivery Service: it
 * hands every handshake message to every other member (and, for PublicMessages, to a
 * {@link PublicGroup} — the view Ampoule's relay keeps), every Welcome to the joiners, and checks
 * after every epoch that all members agree on the epoch, the epoch_authenticator and an
 * MLS-Exporter value.
 */
final class SharedGroup {

    private static final byte[] EXPORTER_CONTEXT = "interop".getBytes(StandardCharsets.UTF_8);

    private final List<Client> members = new ArrayList<>();
    private final List<Client> removed = new ArrayList<>();
    private final GroupConfig relayConfig;
    private PublicGroup relay;
    private int epochsChecked;
    private final Set<String> committers = new LinkedHashSet<>();

    /** @param relayConfig configuration of the relay's PublicGroup; none when handshakes are private */
    SharedGroup(Optional<GroupConfig> relayConfig) {
        this.relayConfig = relayConfig.orElse(null);
    }

    List<Client> members() {
        return List.copyOf(members);
    }

    int epochsChecked() {
        return epochsChecked;
    }

    /** {@code creator} creates the group; the relay learns it from the creator's GroupInfo. */
    void create(Client creator, byte[] groupId) {
        creator.create(groupId);
        members.add(creator);
        if (relayConfig != null) {
            GroupInfo info = ((MlsMessage.OfGroupInfo) MlsMessage.fromBytes(creator.groupInfo(Client.Impl.JAVA)))
                    .groupInfo();
            relay = PublicGroup.fromGroupInfo(relayConfig, info, Optional.empty());
        }
        agree();
    }

    /** {@code committer} adds {@code joiners} by value; they join from the one Welcome. */
    void add(Client committer, Client... joiners) {
        List<byte[]> keyPackages = new ArrayList<>();
        for (Client j : joiners) {
            keyPackages.add(j.keyPackage());
        }
        welcome(commit(committer, keyPackages, List.of(), List.of()), joiners);
    }

    /** The clients a Commit added (by value or by reference) join from its Welcome. */
    void welcome(Client.Sent sent, Client... joiners) {
        byte[] welcome = sent.welcome().orElseThrow(() -> new AssertionError("the Commit made no Welcome"));
        for (Client j : joiners) {
            j.join(welcome);
            members.add(j);
        }
        agree();
    }

    /**
     * {@code sender} sends a proposal; every other member (and the relay) processes it. Returns
     * the proposal message.
     */
    byte[] propose(Client sender, byte[] proposal) {
        for (Client m : members) {
            if (m != sender) {
                assertInstanceOf(Client.Received.Proposal.class, processAt(m, proposal, "a proposal of " + sender),
                        m + " on a proposal of " + sender);
            }
        }
        relayProposal(proposal);
        return proposal;
    }

    /** A proposal from outside the group (an external sender): every member processes it. */
    void proposeFromOutside(byte[] proposal) {
        for (Client m : members) {
            assertInstanceOf(Client.Received.Proposal.class, processAt(m, proposal, "an external proposal"),
                    m + " on an external proposal");
        }
        relayProposal(proposal);
    }

    /**
     * {@code committer} commits the epoch's proposals plus adds and removes by value; every other
     * member processes the Commit. Those in {@code expectRemoved} must find themselves removed and
     * leave the member list. Agreement is checked.
     */
    Client.Sent commit(Client committer, List<byte[]> adds, List<Integer> removes, List<Client> expectRemoved) {
        Client.Sent sent = committer.commit(adds, removes);
        deliver(committer, sent.commit(), expectRemoved, sent.welcome().isEmpty());
        return sent;
    }

    /** Delivers a Commit {@code committer} already applied (its own or an external join's). */
    void deliverCommit(Client committer, byte[] commit, List<Client> expectRemoved) {
        deliver(committer, commit, expectRemoved, true);
    }

    /** Delivers a Commit {@code committer} made and applied; {@code joiners} join from its Welcome. */
    void deliverCommit(Client committer, Client.Sent sent, Client... joiners) {
        deliver(committer, sent.commit(), List.of(), joiners.length == 0);
        if (joiners.length > 0) {
            welcome(sent, joiners);
        }
    }

    /** @param check whether to check agreement now (not before the Welcome is processed) */
    private void deliver(Client committer, byte[] commit, List<Client> expectRemoved, boolean check) {
        committers.add(committer.impl().toString());
        relayCommit(commit);
        for (Client m : List.copyOf(members)) {
            if (m == committer) {
                continue;
            }
            Client.Received r = processAt(m, commit, "a Commit of " + committer);
            Client.Received.Commit c = assertInstanceOf(Client.Received.Commit.class, r,
                    m + " on a Commit of " + committer);
            assertEquals(expectRemoved.contains(m), c.removedSelf(), m + ": removed by the Commit of " + committer);
            if (c.removedSelf()) {
                assertFalse(m.active(), m + " still active after its removal");
                members.remove(m);
                removed.add(m);
            }
        }
        if (!members.contains(committer)) {
            members.add(committer);
        }
        for (Client m : expectRemoved) {
            assertTrue(removed.contains(m), m + " was to be removed");
        }
        if (check) {
            agree();
        }
    }

    /**
     * An external join by {@code joiner} from a GroupInfo {@code author} made; the members process
     * the Commit.
     */
    void joinExternal(Client joiner, Client author) {
        byte[] commit = joiner.joinExternal(author.groupInfo(joiner.impl()));
        deliverCommit(joiner, commit, List.of());
    }

    /**
     * {@code member} rejoins by a resync external Commit from a GroupInfo {@code author} made; the
     * other members process the Commit, which removes the member's old leaf.
     */
    void resync(Client member, Client author) {
        int count = members.size();
        deliverCommit(member, member.resync(author.groupInfo(member.impl())), List.of());
        assertEquals(count, members.size(), "a resync keeps the member count");
    }

    /**
     * Every member sends an application message that every other member reads; every removed
     * client fails to decrypt each of them.
     */
    void chat(String topic) {
        chat(topic, 1);
    }

    /**
     * Every member sends two application messages that every other member reads, the second one
     * first (out of order within the epoch, RFC 9420 §15.3); every removed client fails to decrypt
     * them.
     */
    void chatOutOfOrder(String topic) {
        chat(topic, 2);
    }

    private void chat(String topic, int count) {
        for (Client sender : members) {
            List<byte[]> texts = new ArrayList<>();
            List<byte[]> messages = new ArrayList<>();
            for (int i = 1; i <= count; i++) {
                byte[] t = text(topic + " (" + i + ")", sender);
                texts.add(t);
                messages.add(sender.encrypt(t));
            }
            for (Client m : members) {
                if (m != sender) {
                    for (int i = count - 1; i >= 0; i--) {
                        read(m, sender, messages.get(i), texts.get(i));
                    }
                }
            }
            for (Client gone : removed) {
                assertThrows(RuntimeException.class, () -> gone.process(messages.get(0)),
                        gone + " (removed) decrypted a message of " + sender);
            }
        }
    }

    /**
     * Every member sends an application message in the current epoch; {@code epochChange} moves the
     * group on; then every other member still in the group reads those messages from the past
     * epoch (RFC 9420 §15.3).
     */
    void chatAcross(String topic, Runnable epochChange) {
        List<Client> senders = List.copyOf(members);
        List<byte[]> texts = new ArrayList<>();
        List<byte[]> messages = new ArrayList<>();
        for (Client sender : senders) {
            byte[] t = text(topic, sender);
            texts.add(t);
            messages.add(sender.encrypt(t));
        }
        long epoch = senders.get(0).epoch();
        epochChange.run();
        assertTrue(members.get(0).epoch() > epoch, "the epoch did not change");
        for (int i = 0; i < senders.size(); i++) {
            for (Client m : members) {
                if (m != senders.get(i) && senders.contains(m)) {
                    read(m, senders.get(i), messages.get(i), texts.get(i));
                }
            }
        }
    }

    /** {@code m} processes {@code message}; a refusal names the member and the message. */
    private static Client.Received processAt(Client m, byte[] message, String what) {
        try {
            return m.process(message);
        } catch (RuntimeException e) {
            throw new AssertionError(m + " refused " + what + " at epoch " + m.epoch() + ": " + e.getMessage(), e);
        }
    }

    private static byte[] text(String topic, Client sender) {
        return (topic + " from " + sender.name() + " at epoch " + sender.epoch()).getBytes(StandardCharsets.UTF_8);
    }

    private static void read(Client reader, Client sender, byte[] message, byte[] expected) {
        Client.Received r = processAt(reader, message, "a message of " + sender);
        assertArrayEquals(expected, assertInstanceOf(Client.Received.Application.class, r,
                reader + " reading " + sender).data(), reader + " reading " + sender);
    }

    /** All members are at the same epoch with the same epoch_authenticator and exporter value. */
    void agree() {
        if (members.isEmpty()) {
            fail("no members left");
        }
        Client first = members.get(0);
        long epoch = first.epoch();
        byte[] authenticator = first.epochAuthenticator();
        byte[] exported = first.exporter("ampoule interop", EXPORTER_CONTEXT, 32);
        for (Client m : members) {
            assertTrue(m.active(), m + " is not active");
            assertEquals(epoch, m.epoch(), m + " vs " + first + ": epoch");
            assertArrayEquals(authenticator, m.epochAuthenticator(),
                    () -> m + " vs " + first + ": epoch_authenticator of epoch " + epoch + " "
                            + HexFormat.of().formatHex(m.epochAuthenticator()) + " != "
                            + HexFormat.of().formatHex(authenticator));
            if (m != first) {
                assertArrayEquals(exported, m.exporter("ampoule interop", EXPORTER_CONTEXT, 32),
                        m + " vs " + first + ": MLS-Exporter of epoch " + epoch);
            }
        }
        if (relay != null) {
            assertEquals(epoch, relay.epoch(), "the relay's PublicGroup epoch");
            assertEquals(members.size(), relay.members().size(), "the relay's member count");
            for (Client m : members) {
                if (m instanceof JavaClient j) {
                    assertArrayEquals(j.group().groupContext().toBytes(), relay.groupContext().toBytes(),
                            "the relay's GroupContext vs " + j);
                }
            }
        }
        epochsChecked++;
    }

    private void relayProposal(byte[] proposal) {
        if (relay != null && MlsMessage.fromBytes(proposal) instanceof MlsMessage.OfPublicMessage p) {
            relay.processProposal(p.message());
        }
    }

    private void relayCommit(byte[] commit) {
        if (relay == null) {
            return;
        }
        if (MlsMessage.fromBytes(commit) instanceof MlsMessage.OfPublicMessage p) {
            StagedPublicCommit staged = relay.stageCommit(p.message());
            relay.merge(staged);
        } else {
            fail("the relay cannot follow a group whose Commits are PrivateMessages");
        }
    }

    /** The implementations whose Commits were processed by the others. */
    Set<String> committers() {
        return committers;
    }
}
