/**
 * The key schedule of RFC 9420: the GroupContext (§8.1), the epoch key schedule (§8) with its
 * exporter (§8.5), resumption PSK (§8.6) and epoch authenticator (§8.7), transcript hashes (§8.2),
 * pre-shared keys (§8.4), and the secret tree with its sender ratchets (§9) and the sender-data
 * key derivation (§6.3.2).
 *
 * <p>Entry points: {@link dev.ampoule.mls.schedule.KeySchedule} (one epoch step, or a joiner's
 * start from its {@code joiner_secret}) yielding {@link dev.ampoule.mls.schedule.EpochSecrets};
 * {@link dev.ampoule.mls.schedule.PreSharedKeys#pskSecret}; {@link
 * dev.ampoule.mls.schedule.TranscriptHashes}; {@link dev.ampoule.mls.schedule.SecretTree}.
 *
 * <p>Every secret has its own {@link dev.ampoule.mls.crypto.Secret} subclass; whoever holds a
 * secret owns it and destroys it when it is consumed (§9.2). Functions here only read their secret
 * arguments, except where the documentation says a secret moves (the {@code epoch_secret} into
 * {@link dev.ampoule.mls.schedule.EpochSecrets}, the {@code encryption_secret} into the
 * {@link dev.ampoule.mls.schedule.SecretTree}), and zero their intermediate values.
 */
package dev.ampoule.mls.schedule;
