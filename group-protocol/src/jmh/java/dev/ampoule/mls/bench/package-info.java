/**
 * JMH benchmarks of what an MLS commit spends its time on (RFC 9420 §7.4–§7.6, §8, §12.4), built
 * only with the Maven profile {@code bench} into {@code group-protocol/target/benchmarks.jar}.
 *
 * <p>Layout: one class per area, named {@code <Area>Benchmark}, each a {@code Scope.Thread} state
 * whose {@code @Setup} builds every input so that a benchmark method times exactly one operation
 * and returns its result. The cipher suite is a {@code @Param} holding its wire value; {@link
 * dev.ampoule.mls.bench.Inputs} resolves it and makes deterministic inputs. Comparisons that
 * justify an implementation choice (the JDK's AES-GCM against Bouncy Castle's, JDK against Bouncy
 * Castle ECDSA) live in the same class as the operation they compare, so that both sides are
 * measured in the same run.
 *
 * <ul>
 *   <li>{@link dev.ampoule.mls.bench.HpkeBenchmark}: EncryptWithLabel / DecryptWithLabel of a path
 *       secret, DeriveKeyPair (TreeKEM, §7.4–§7.6).
 *   <li>{@link dev.ampoule.mls.bench.SignatureBenchmark}: SignWithLabel / VerifyWithLabel (§5.1.2).
 *   <li>{@link dev.ampoule.mls.bench.SignatureImplBenchmark}: the signature implementations behind
 *       them, side by side.
 *   <li>{@link dev.ampoule.mls.bench.AeadBenchmark}: AEAD of 1 KiB, seal + open and seal alone (§6.3.1).
 *   <li>{@link dev.ampoule.mls.bench.KdfBenchmark}: ExpandWithLabel, DeriveSecret, Hash (§8).
 *   <li>{@link dev.ampoule.mls.bench.HashImplBenchmark}: the JDK's SHA-2 and HMAC against Bouncy
 *       Castle's, for the hash of each suite.
 *   <li>{@link dev.ampoule.mls.bench.TreeHashBenchmark}: the tree hash of a full 1,000-member tree,
 *       from scratch and after one path update (§7.8).
 *   <li>{@link dev.ampoule.mls.bench.GroupBenchmark}: a member's operations at N = 10 to 10,000 on a
 *       full tree — add, remove, empty Commit created and processed, join from a Welcome, a 1 KiB
 *       application message encrypted and decrypted (§12–§15).
 *   <li>{@link dev.ampoule.mls.bench.RealisticGroupBenchmark}: the same kind of operations on trees
 *       built through the protocol — right after one Commit added everyone, and after 20 members
 *       committed — at N = 100 to 10,000, including adding everyone and joining from that Welcome.
 *   <li>{@link dev.ampoule.mls.bench.GroupHeap} (a main program, not JMH): the retained heap of one
 *       member's group state at the same sizes.
 * </ul>
 *
 * <p>The group benchmarks build their N-member groups with {@code dev.ampoule.mls.group.GroupFixture}
 * (in this source tree, in the group package because it assembles a member's state directly) and
 * {@code dev.ampoule.mls.group.RealisticFixture} (through the public API).
 */
package dev.ampoule.mls.bench;
