package dev.ampoule.mls.schedule;

/**
 * The two hash ratchets of every leaf of the secret tree (RFC 9420 §9): handshake messages
 * (Proposal, Commit) use one, application messages the other.
 */
public enum RatchetType {
    HANDSHAKE("handshake"),
    APPLICATION("application");

    private final String label;

    RatchetType(String label) {
        this.label = label;
    }

    /** The {@code ExpandWithLabel} label that starts this ratchet from the leaf secret. */
    public String label() {
        return label;
    }
}
