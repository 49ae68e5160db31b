package dev.ampoule.relay.store;

/** What an accepted group message is (its wire value is stored). */
public enum MessageKind {
    APPLICATION(1),
    PROPOSAL(2),
    COMMIT(3);

    private final int wire;

    MessageKind(int wire) {
        this.wire = wire;
    }

    public int wire() {
        return wire;
    }

    public static MessageKind byWire(int wire) {
        for (MessageKind k : values()) {
            if (k.wire == wire) {
                return k;
            }
        }
        throw new dev.ampoule.mls.error.DecodeException("unknown message kind " + wire);
    }
}
