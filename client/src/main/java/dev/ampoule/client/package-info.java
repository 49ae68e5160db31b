/**
 * The Ampoule client SDK: {@link dev.ampoule.client.AmpouleClient}, one device of one user talking
 * to the relay (the MLS Delivery Service of RFC 9750), holding its care teams' MLS groups
 * (RFC 9420, module group-protocol) and their keys.
 *
 * <p>Public API: {@link dev.ampoule.client.AmpouleClient} and its builder,
 * {@link dev.ampoule.client.ClientListener} with the sealed {@link dev.ampoule.client.ClientEvent},
 * the results {@link dev.ampoule.client.GroupId}, {@link dev.ampoule.client.CommitResult},
 * {@link dev.ampoule.client.SentMessage}, {@link dev.ampoule.client.GroupSnapshot},
 * {@link dev.ampoule.client.MemberIdentity}, and {@link dev.ampoule.client.AmpouleException}.
 * Everything else in this package is the machinery: the state thread and receive path
 * ({@code ClientEngine}), the operations with their send-until-definitive and commit-conflict loops
 * ({@code GroupOperations}), one group's state ({@code GroupSession}), the encoding of the local
 * state ({@code LocalState}), and end-to-end identity: the device certificate's keeper
 * ({@code DeviceCredentials}), the Authentication Service that judges members
 * ({@code MemberAuthentication}, with {@code DeviceNames} and {@code UntrustedMembers}).
 */
package dev.ampoule.client;
