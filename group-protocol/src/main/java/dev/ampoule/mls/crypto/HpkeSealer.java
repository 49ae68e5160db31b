package dev.ampoule.mls.crypto;

/**
 * {@code SealBase(pkR, info, aad, pt)} (RFC 9180 §6.1) with one {@code info} and {@code aad} fixed
 * for any number of recipients: the key schedule's {@code info_hash = LabeledExtract("", "info_hash",
 * info)} (§5.1) is computed once, when the sealer is made, instead of once per recipient. A Welcome
 * seals its GroupSecrets to every joiner with the encrypted GroupInfo as context (RFC 9420
 * §12.4.3.1), and an UpdatePath seals every path secret with the GroupContext as context (§7.6).
 *
 * <p>Implementations are thread-safe: one sealer may seal on several threads at once.
 */
@FunctionalInterface
public interface HpkeSealer {

    /**
     * Encapsulates to {@code recipient} and encrypts {@code plaintext}.
     *
     * @throws dev.ampoule.mls.error.ValidationException with {@link CryptoRule#INVALID_HPKE_PUBLIC_KEY}
     *     when the key is not a valid public key of the suite's KEM
     */
    HpkeCiphertext seal(HpkePublicKey recipient, byte[] plaintext);
}
