package dev.ampoule.mls.crypto;

/**
 * One signature to verify: {@code signature} over {@code message} (for a labelled signature, the
 * whole {@code SignContent}, RFC 9420 §5.1.2) with {@code key}.
 */
public record SignatureCheck(SignaturePublicKey key, byte[] message, byte[] signature) {}
