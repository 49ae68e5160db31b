package dev.ampoule.loadtest;

/** What the simulated devices do with the messages they send and receive. */
public enum Mode {
    /**
     * Every device is a real MLS member: a sender encrypts each message when it is due, every
     * recipient decrypts (and verifies the signature of) each message it receives.
     */
    FULL,
    /**
     * The relay's own cost: each sender's PrivateMessages for its group's epoch are encrypted
     * before the load starts, one per message (so the relay's replay check passes), and recipients
     * only read the clear header to identify a message; nothing is decrypted.
     */
    RELAY_ONLY
}
