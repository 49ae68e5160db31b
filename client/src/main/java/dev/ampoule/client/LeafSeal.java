package dev.ampoule.client;

import dev.ampoule.client.content.HistoryCipher;
import dev.ampoule.mls.crypto.HpkeCiphertext;
import dev.ampoule.mls.group.Member;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Keys for some members only, inside a group message: sealed to each chosen device's leaf
 * encryption key ({@code SafeEncryptWithLabel}, component {@link HistoryCipher#COMPONENT}, context
 * {@code group_id || uint64 epoch || uint32 leaf_index}), and opened by the device whose leaf it
 * is, with its current leaf key, as it processes the message. History grants and record keys travel
 * so.
 */
final class LeafSeal {

    private LeafSeal() {
    }

    /** The context a sealed share is bound to: the group, the epoch, the recipient's leaf. */
    static byte[] context(Bytes groupId, long epoch, int leaf) {
        return new dev.ampoule.mls.codec.TlsWriter(groupId.length() + 16).opaque(groupId.unsafeArray()).u64(epoch)
                .u32(leaf).toByteArray();
    }

    /** {@code plaintext} sealed to every device in the group's current epoch whose user {@code users} accepts, {@code self} excepted. */
    static List<Payloads.SealedTo> toUsers(GroupSession s, Predicate<String> users, DeviceId self, String label,
            byte[] plaintext) {
        List<Payloads.SealedTo> sealed = new ArrayList<>();
        for (Member m : s.group.members()) {
            Optional<DeviceId> d = GroupSession.deviceOf(m.credential());
            if (d.isPresent() && users.test(d.get().userId()) && !d.get().equals(self)) {
                HpkeCiphertext ct = s.group.suite().safeEncryptWithLabel(m.leafNode().encryptionKey(),
                        HistoryCipher.COMPONENT, label, context(s.id, s.group.epoch(), m.leafIndex()), plaintext);
                sealed.add(new Payloads.SealedTo(m.leafIndex(), ct));
            }
        }
        return sealed;
    }

    /**
     * This device's share among {@code sealed}, opened (the caller wipes it), if there is one.
     *
     * @throws dev.ampoule.mls.error.MlsException if it does not open
     */
    static Optional<byte[]> open(GroupSession s, long epoch, String label, List<Payloads.SealedTo> sealed) {
        int own = s.group.ownLeafIndex();
        Optional<Payloads.SealedTo> mine = sealed.stream().filter(x -> x.leaf() == own).findFirst();
        if (mine.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(s.group.safeDecryptWithLeafKey(HistoryCipher.COMPONENT, label, context(s.id, epoch, own),
                mine.get().sealed()));
    }
}
