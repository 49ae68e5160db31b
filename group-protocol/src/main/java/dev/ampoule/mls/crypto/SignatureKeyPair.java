package dev.ampoule.mls.crypto;

/** A signature key pair. */
public record SignatureKeyPair(SignaturePrivateKey privateKey, SignaturePublicKey publicKey) {}
