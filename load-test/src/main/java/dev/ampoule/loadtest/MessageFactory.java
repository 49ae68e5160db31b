package dev.ampoule.loadtest;

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

    /** The label from a message's clear header; empty when it is no load message. */
    static Optional<Label> label(byte[] mlsMessage) {
        try {
            if (MlsMessage.fromBytes(mlsMessage) instanceof MlsMessage.OfPrivateMessage pm) {
                return fromAad(pm.message().authenticatedData());
            }
        } catch (RuntimeException e) { // MlsException: not an MLS message
            return Optional.empty();
        }
        return Optional.empty();
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
