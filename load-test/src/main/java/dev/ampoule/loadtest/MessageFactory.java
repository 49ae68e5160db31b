package dev.ampoule.loadtest;

import dev.ampoule.mls.framing.ContentType;
import dev.ampoule.mls.framing.MlsMessage;
import dev.ampoule.mls.group.Group;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Optional;

/**
 * What a load message carries, and how a recipient tells which one it got.
 *
 * <p>Each message is an MLS PrivateMessage (RFC 9420 §6.3) whose {@code authenticated_data} — sent
 * in the clear, covered by the signature and the AEAD — is {@code uint64 k; uint32 sender;}: the
 * message's number in the open-loop schedule and the sending device's index. The application data
 * is {@code messageSize} bytes starting with {@code k} again, then a filler. A recipient that does not
 * decrypt (relay-only mode) reads {@code k} from the clear header; one that decrypts (full mode)
 * checks that the plaintext names the same {@code k}.
 */
final class MessageFactory {

    /** {@code uint64 k} + {@code uint32 sender}. */
    static final int AAD_BYTES = 12;

    private final int messageSize;

    MessageFactory(int messageSize) {
        this.messageSize = messageSize;
    }

    /** A message identified by its schedule number and its sender. */
    record Label(long k, int sender) {
    }

    static byte[] aad(long k, int sender) {
        return ByteBuffer.allocate(AAD_BYTES).putLong(k).putInt(sender).array();
    }

    byte[] plaintext(long k) {
        byte[] data = new byte[messageSize];
        ByteBuffer.wrap(data).putLong(k);
        Arrays.fill(data, 8, data.length, (byte) (k * 31 + 7));
        return data;
    }

    /** Encrypts message {@code k} from {@code sender} with the sender's group (advancing its ratchet). */
    byte[] encrypt(Group group, long k, int sender) {
        return group.encrypt(plaintext(k), aad(k, sender)).toBytes();
    }

    /**
     * The label from a message's clear header; empty when it is no load message. Reads only the
     * header fields before {@code authenticated_data} (RFC 9420 §6: {@code uint16 version;
     * uint16 wire_format;} then §6.3.1 {@code opaque group_id<V>; uint64 epoch; ContentType
     * content_type; opaque authenticated_data<V>;}), so the ciphertext is neither copied nor parsed.
     */
    static Optional<Label> label(byte[] m) {
        if (m.length < 4 || u16(m, 0) != 1 || u16(m, 2) != PRIVATE_MESSAGE) {
            return Optional.empty();
        }
        long[] groupId = varint(m, 4);
        if (groupId == null) {
            return Optional.empty();
        }
        long[] aad = varint(m, (int) (groupId[1] + groupId[0] + 8 + 1));
        if (aad == null || aad[0] != AAD_BYTES || aad[1] + AAD_BYTES > m.length) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(m, (int) aad[1], AAD_BYTES);
        return Optional.of(new Label(b.getLong(), b.getInt()));
    }

    /** {@code wire_format} of a PrivateMessage (RFC 9420 §6). */
    private static final int PRIVATE_MESSAGE = 2;
    /** {@code wire_format} of a PublicMessage (RFC 9420 §6): the load's Commits. */
    private static final int PUBLIC_MESSAGE = 1;

    /** Whether a delivered message is a PublicMessage (a churn Commit, processed rather than labelled). */
    static boolean isPublicMessage(byte[] m) {
        return m.length >= 4 && u16(m, 0) == 1 && u16(m, 2) == PUBLIC_MESSAGE;
    }

    /**
     * Whether a delivered PublicMessage is a proposal (a care team's relay proposal) rather than a
     * Commit; false for anything that does not decode.
     */
    static boolean isProposal(byte[] m) {
        try {
            return MlsMessage.fromBytes(m) instanceof MlsMessage.OfPublicMessage p
                    && p.message().content().contentType() == ContentType.PROPOSAL;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static int u16(byte[] m, int at) {
        return ((m[at] & 0xFF) << 8) | (m[at + 1] & 0xFF);
    }

    /** A variable-length vector's length (RFC 9420 §2.1.2) at {@code at}: {length, offset of the content}, or null. */
    private static long[] varint(byte[] m, int at) {
        if (at < 0 || at >= m.length) {
            return null;
        }
        int prefix = (m[at] & 0xFF) >>> 6;
        int size = prefix == 0 ? 1 : prefix == 1 ? 2 : prefix == 2 ? 4 : -1;
        if (size < 0 || at + size > m.length) {
            return null;
        }
        long v = m[at] & 0x3F;
        for (int i = 1; i < size; i++) {
            v = (v << 8) | (m[at + i] & 0xFF);
        }
        return at + size + v > m.length ? null : new long[] {v, at + size};
    }

    static Optional<Label> fromAad(byte[] aad) {
        if (aad.length != AAD_BYTES) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(aad);
        return Optional.of(new Label(b.getLong(), b.getInt()));
    }

    /** Whether a decrypted plaintext is the one of message {@code k}. */
    boolean matches(byte[] plaintext, long k) {
        return plaintext.length == messageSize && ByteBuffer.wrap(plaintext).getLong() == k;
    }
}
