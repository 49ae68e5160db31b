package dev.ampoule.client.support;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.store.GroupMessage;
import java.net.URI;
import java.util.List;

/**
 * The relay service end-to-end tests run against: one relay in the test's Vert.x
 * ({@link RelayFixture}) or a cluster of relay JVMs on one PostgreSQL ({@link ClusterFixture}).
 * Tests see the service only through this: where clients connect, tokens, the care teams' rosters
 * (as the admin API changes them), what the service stores and whether it fences a group.
 */
public interface Relays extends AutoCloseable {

    /** The deployments an end-to-end suite runs against. */
    enum Deployment {
        SINGLE, CLUSTER
    }

    /** Where the next client connects (in a cluster, each client prefers another node). */
    URI uri();

    /** Where a raw device ({@code TestDevice}) connects: the relay's port (in a cluster, the next node's). */
    int port();

    /** A development token of {@code user}. */
    String token(String user);

    /** A development token of {@code user} that expires after {@code ttl}. */
    String token(String user, java.time.Duration ttl);

    /** A token of {@code user} in organisation {@code org} with {@code roles}. */
    String token(String user, String org, List<String> roles);

    /** Starts the service (again, on the same data). */
    Relays start();

    /** Stops the service gracefully (clients are told to reconnect). */
    void stop();

    /** Creates a care team of organisation {@code org-1} with {@code coordinator} as its first coordinator; its id. */
    String createTeam(String coordinator);

    /** Puts a user on a team's roster, as an org admin does through the admin API. */
    void addToRoster(String teamId, String userId, String role);

    /** Takes a user off a team's roster, as an org admin does through the admin API. */
    void removeFromRoster(String teamId, String userId);

    /** Every message of a group the service keeps, from {@code fromSeq}: what a compromised relay would hand out. */
    List<GroupMessage> stored(Bytes groupId, long fromSeq);

    /** Whether the service fences a group now (a roster removal waits for its Commit). */
    boolean fenced(Bytes groupId);

    /** A counter of the service's metrics (summed over nodes) since it started, 0 if never incremented. */
    double counter(String name, String tag, String value);

    /** Compacts what the service stores (a single relay's file store; nothing to do in PostgreSQL). */
    void compact();

    @Override
    void close();
}
