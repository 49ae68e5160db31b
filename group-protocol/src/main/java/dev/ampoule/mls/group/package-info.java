/**
 * The MLS group state machine (RFC 9420 §11–§15, with the leaf node rules of §7.3 and the
 * KeyPackage rules of §10.1).
 *
 * <ul>
 *   <li>{@link dev.ampoule.mls.group.PublicGroup}: the public state and every public rule — what
 *       the Delivery Service runs. It verifies handshake PublicMessages, validates proposals
 *       (§12.1) and Commits (§12.2, §12.4.2), stages a Commit as a
 *       {@link dev.ampoule.mls.group.StagedPublicCommit} and merges it when told to.</li>
 *   <li>{@link dev.ampoule.mls.group.Group}: a member; contains a PublicGroup plus its secrets.
 *       Created with {@code create}, {@code join} (Welcome), {@code joinExternal} (external
 *       commit) or {@code restore}; sends with the {@code propose*} methods, {@code commit} and
 *       {@code encrypt}; receives with {@code process}, which yields a
 *       {@link dev.ampoule.mls.group.Processed}.</li>
 *   <li>{@link dev.ampoule.mls.group.KeyPackageBundle}: a KeyPackage with its private keys;
 *       {@link dev.ampoule.mls.group.ExternalProposals}: proposals from outside the group (the
 *       relay as external sender, a client asking to join).</li>
 *   <li>Configuration: {@link dev.ampoule.mls.group.GroupConfig},
 *       {@link dev.ampoule.mls.group.CommitOptions},
 *       {@link dev.ampoule.mls.group.ExternalJoinOptions}.</li>
 * </ul>
 *
 * <p>State: a member's epoch is one immutable {@code EpochState} (public
 * state with the epoch's proposals, private keys, epoch secrets, pending Commit, history), a
 * PublicGroup's one immutable {@code PublicState}. Operations compute new
 * values ({@code CommitBuilder}, {@code Receiving}, {@code Joining}, {@code Resumption},
 * {@code GroupCodec}) and the group replaces its value in one assignment, so a failed operation
 * leaves it as it was by construction; secrets the replaced value held are destroyed afterwards.
 * The ratchets of the secret trees are the deliberate exception: they consume keys as messages are
 * sent and read (forward secrecy) under their own rule — a key is consumed only by a decryption
 * that succeeds.
 *
 * <p>Trust lives in the types: messages decode into the unverified framing types; only a group
 * yields a {@link dev.ampoule.mls.group.VerifiedProposal} or a
 * {@link dev.ampoule.mls.group.StagedCommit}, and a staged Commit changes nothing until it is
 * merged. Every rejection is a {@link dev.ampoule.mls.error.ValidationException} naming a
 * {@link dev.ampoule.mls.group.GroupRule} (or the rule of a lower layer), and leaves the group as
 * it was.
 */
package dev.ampoule.mls.group;
