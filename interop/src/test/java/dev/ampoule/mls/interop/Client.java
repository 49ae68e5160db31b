package dev.ampoule.mls.interop;

import java.util.List;
import java.util.Optional;

/**
 * One MLS client of the interop suite, of either implementation: a {@link JavaClient} (Ampoule's
 * group-protocol) or a {@link TsClient} (ts-mls through the Node.js driver). Messages cross
 * between them only as encoded MLSMessage bytes, as they would on the wire.
 */
sealed interface Client permits JavaClient, TsClient {

    /** The implementation a client runs on. */
    enum Impl {
        JAVA("group-protocol"), TS_MLS("ts-mls");

        private final String label;

        Impl(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    String name();

    Impl impl();

    /** A fresh KeyPackage (MLSMessage mls_key_package); the client keeps its private keys for a join. */
    byte[] keyPackage();

    /** Creates a one-member group. */
    void create(byte[] groupId);

    /** Joins from a Welcome (MLSMessage mls_welcome) made for its latest KeyPackage. */
    void join(byte[] welcome);

    /** Joins by external commit from a GroupInfo (MLSMessage mls_group_info); returns the Commit. */
    byte[] joinExternal(byte[] groupInfo);

    /**
     * Rejoins by external commit, removing its own earlier leaf in the same Commit (a "resync",
     * RFC 9420 §12.4.3.2); returns the Commit.
     */
    byte[] resync(byte[] groupInfo);

    /**
     * Commits every proposal received this epoch by reference plus {@code adds} (KeyPackages) and
     * {@code removes} (leaf indices) by value, and applies the Commit at once (the suite plays a
     * Delivery Service that accepts every Commit).
     */
    Sent commit(List<byte[]> adds, List<Integer> removes);

    byte[] proposeAdd(byte[] keyPackage);

    byte[] proposeRemove(int leafIndex);

    /** An application message (MLSMessage mls_private_message). */
    byte[] encrypt(byte[] data);

    /** Processes a handshake or application message; a Commit is applied at once. */
    Received process(byte[] message);

    long epoch();

    byte[] epochAuthenticator();

    /** MLS-Exporter(label, context, length) of the current epoch (RFC 9420 §8.5). */
    byte[] exporter(String label, byte[] context, int length);

    boolean active();

    int leafIndex();

    /**
     * A signed GroupInfo of the current epoch with external_pub and ratchet_tree (MLSMessage), for
     * a client of {@code reader}'s implementation. ts-mls 1.6.4 writes and reads the external_pub
     * extension as a bare key instead of RFC 9420 §12.4.3.2's ExternalPub struct (see
     * interop/README.md): a GroupInfo for the other implementation is re-signed by its author's
     * implementation with external_pub in the form the reader expects.
     */
    byte[] groupInfo(Impl reader);

    /** What a Commit produced. */
    record Sent(byte[] commit, Optional<byte[]> welcome) {}

    /** What processing a message gave. */
    sealed interface Received {
        record Application(byte[] data) implements Received {}

        record Proposal() implements Received {}

        /** @param removedSelf whether the Commit removed the receiver */
        record Commit(boolean removedSelf) implements Received {}
    }
}
