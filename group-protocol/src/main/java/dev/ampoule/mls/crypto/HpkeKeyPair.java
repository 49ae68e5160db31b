package dev.ampoule.mls.crypto;

/** An HPKE key pair; the public half travels with the private one so opening needs no derivation. */
public record HpkeKeyPair(HpkePrivateKey privateKey, HpkePublicKey publicKey) {}
