package dev.ampoule.mls.crypto;

import java.util.Optional;

/**
 * The cipher suites of RFC 9420 §17.1. The wire value is {@code uint16 CipherSuite}.
 */
public enum CipherSuiteId {
    MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519(0x0001),
    MLS_128_DHKEMP256_AES128GCM_SHA256_P256(0x0002),
    MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519(0x0003),
    MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448(0x0004),
    MLS_256_DHKEMP521_AES256GCM_SHA512_P521(0x0005),
    MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448(0x0006),
    MLS_256_DHKEMP384_AES256GCM_SHA384_P384(0x0007);

    private final int wire;

    CipherSuiteId(int wire) {
        this.wire = wire;
    }

    /** The {@code uint16} value on the wire. */
    public int wire() {
        return wire;
    }

    /** The suite for a wire value, or empty for one this enumeration does not name. */
    public static Optional<CipherSuiteId> fromWire(int value) {
        for (CipherSuiteId id : values()) {
            if (id.wire == value) {
                return Optional.of(id);
            }
        }
        return Optional.empty();
    }
}
