/**
 * The client's connection to the relay over the JDK's {@link java.net.http.WebSocket}: binary
 * frames of {@code ampoule-relay/1} (module relay-protocol), one reader reassembling partial
 * messages, a bounded queue of outgoing frames, requests matched to answers by request id, and
 * reconnection with backoff and fresh tokens ({@link dev.ampoule.client.transport.RelayConnection}).
 */
package dev.ampoule.client.transport;
