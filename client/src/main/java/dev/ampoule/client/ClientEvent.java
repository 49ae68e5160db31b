package dev.ampoule.client;

import dev.ampoule.relay.protocol.DeviceId;
import java.util.List;
import java.util.Optional;

/**
 * What an {@link AmpouleClient} tells its {@link ClientListener}: messages and membership changes
 * of its groups, in each group's sequence order, after they are persisted locally; and the state of
 * the connection. Handle them with a pattern switch.
 */
public sealed interface ClientEvent {

    /**
     * A message from another member's device: text, bytes with a content type, or a file
     * ({@link Content}). {@code from} is who sent it as this device's Authentication Service
     * established it: user, device, role, and whether a certificate of the organisation vouches for
     * it ({@link MemberIdentity#verified()}).
     */
    record MessageReceived(GroupId groupId, long seq, MemberIdentity from, Content content, long epoch)
            implements ClientEvent {

        /** The sending device. */
        public DeviceId sender() {
            return from.device();
        }

        /** The text of a text message; empty for other content. */
        public String text() {
            return content instanceof Content.Text t ? t.text() : "";
        }

        /** The file of a message carrying one. */
        public java.util.Optional<Attachment> attachment() {
            return content instanceof Content.File f ? java.util.Optional.of(f.attachment()) : java.util.Optional.empty();
        }

        @Override
        public String toString() {
            return "MessageReceived[" + groupId + " #" + seq + " from " + from + ", " + content + "]";
        }
    }

    /**
     * A coordinator's device granted this device a group's history of days {@code fromDay} to
     * {@code toDay} (UTC): {@code keys} day keys, now in the local state. Read it with
     * {@link AmpouleClient#history}.
     */
    record HistoryGranted(GroupId groupId, long seq, MemberIdentity from, java.time.LocalDate fromDay,
            java.time.LocalDate toDay, int keys) implements ClientEvent {}

    /**
     * A record shared with this device's user arrived (when it was shared, or when its user was
     * made a recipient later): {@code record} carries its key; fetch it with
     * {@link AmpouleClient#fetchAttachment}. Only the recipients' devices hear it.
     */
    record RecordShared(GroupId groupId, long seq, MemberIdentity from, Attachment record) implements ClientEvent {}

    /** This device joined a group (from a Welcome); {@code identities} are its members then. */
    record GroupJoined(GroupId groupId, long seq, long epoch, List<MemberIdentity> identities) implements ClientEvent {

        public GroupJoined {
            identities = List.copyOf(identities);
        }

        /** The member devices. */
        public List<DeviceId> members() {
            return identities.stream().map(MemberIdentity::device).toList();
        }
    }

    /**
     * A Commit added devices (this device's own Commits included): {@code identities} are the new
     * members as this device authenticated them. {@code by} is the member that committed;
     * {@code byRelay} is true when the relay proposed the change — a coordinator added their user to
     * the care team's roster, and a member committed the relay's proposal. A Commit covering both
     * kinds of change gives one event for each.
     */
    record MembersAdded(GroupId groupId, long seq, long epoch, Optional<DeviceId> by, List<MemberIdentity> identities,
            boolean byRelay) implements ClientEvent {

        public MembersAdded {
            identities = List.copyOf(identities);
        }

        /** The devices added. */
        public List<DeviceId> added() {
            return identities.stream().map(MemberIdentity::device).toList();
        }
    }

    /**
     * A Commit removed devices (this device's own Commits included). {@code by} is the member that
     * committed; {@code byRelay} is true when the relay proposed the change — a coordinator removed
     * their user from the care team's roster. A Commit covering both kinds of change gives one event
     * for each.
     */
    record MembersRemoved(GroupId groupId, long seq, long epoch, Optional<DeviceId> by, List<DeviceId> removed,
            boolean byRelay) implements ClientEvent {

        public MembersRemoved {
            removed = List.copyOf(removed);
        }

        /** Devices removed by a member's own proposal. */
        public MembersRemoved(GroupId groupId, long seq, long epoch, Optional<DeviceId> by, List<DeviceId> removed) {
            this(groupId, seq, epoch, by, removed, false);
        }
    }

    /**
     * A Commit removed this device: it receives nothing more of the group, and keeps none of the new
     * epoch's keys. {@code by} is the member that committed; {@code byRelay} is true when the relay
     * proposed it (a coordinator took this user off the care team's roster).
     */
    record RemovedFromGroup(GroupId groupId, long seq, Optional<DeviceId> by, boolean byRelay) implements ClientEvent {

        /** Removed by a member's own proposal. */
        public RemovedFromGroup(GroupId groupId, long seq, Optional<DeviceId> by) {
            this(groupId, seq, by, false);
        }
    }

    /**
     * The relay refused a message of this device because the group is fenced: a coordinator removed
     * someone from the care team and the removal waits for its Commit (members commit the relay's
     * proposals by themselves). The message is kept in memory and sent again, encrypted for the new
     * epoch, once that Commit has been processed; the future of {@link AmpouleClient#send} completes
     * then. Told at most once per group and epoch.
     */
    record GroupFenced(GroupId groupId, long epoch, long retryAfterMillis) implements ClientEvent {}

    /**
     * A member refused because its credential failed this device's Authentication Service
     * (IDENTITY.md): a certificate that does not chain to the organisation's trust anchors (a member
     * forged by the relay or by another member), names no device or another device than claimed, or
     * a basic credential where none is allowed. The change that would have brought it — a
     * proposal, or a Commit, which is then not merged — is dropped, and nothing it sends is shown as
     * the claimed device's. {@code seq} is the group message that carried it (0 for a KeyPackage the
     * relay handed out to {@link AmpouleClient#addMembers}, which leaves it out); {@code by} the
     * member that sent it, or empty with {@code byRelay} when it came from the relay; {@code claimed}
     * the device the credential names, if any; {@code reason} the rule broken (e.g.
     * {@code UNTRUSTED_CHAIN}) and {@code description} the rule's statement.
     */
    record UntrustedMember(GroupId groupId, long seq, Optional<DeviceId> by, boolean byRelay, Optional<DeviceId> claimed,
            String reason, String description) implements ClientEvent {}

    /**
     * A delivered message that could not be processed (it failed MLS validation or decryption,
     * for instance a duplicate); it is skipped.
     */
    record MessageRejected(GroupId groupId, long seq, String reason) implements ClientEvent {}

    /** A connection to the relay is authenticated; {@code session} counts connections from 1. */
    record Connected(long session) implements ClientEvent {}

    /** The connection dropped; the client reconnects by itself in {@code retryInMillis}. */
    record Disconnected(String reason, long retryInMillis) implements ClientEvent {}

    /**
     * This device has a new device certificate from the identity issuer (at connect, and at each
     * renewal): its credential in the KeyPackages it publishes from now on and in the groups it
     * creates. {@code notAfter} is when it ends; the next one is asked for two thirds into its lifetime.
     */
    record DeviceCertified(java.time.Instant notBefore, java.time.Instant notAfter) implements ClientEvent {}

    /** KeyPackages were published: {@code published} new ones, {@code stored} now held by the relay. */
    record KeyPackagesPublished(int published, long stored) implements ClientEvent {}

    /** Something went wrong in the background (storage, an unusable Welcome); the client carries on. */
    record Problem(String description) implements ClientEvent {}
}
