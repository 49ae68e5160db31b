package dev.ampoule.mls.crypto;

/** An HPKE private key as {@code SerializePrivateKey} gives it (RFC 9180 §7.1.2). */
public final class HpkePrivateKey extends Secret {
    public HpkePrivateKey(byte[] value) {
        super(value);
    }
}
