package dev.ampoule.mls.crypto;

/**
 * The sender's side of an HPKE export (RFC 9180 §5.3): the KEM output to send and the exported
 * secret, which the caller owns and destroys.
 */
public record HpkeExport(byte[] kemOutput, Secret exported) {}
