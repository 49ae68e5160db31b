package dev.ampoule.client.support;

import dev.ampoule.client.GroupId;
import dev.ampoule.client.GroupSnapshot;
import dev.ampoule.relay.protocol.DeviceId;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** Waits until parties agree on a group's state. */
public final class Convergence {

    private Convergence() {
    }

    /** The parties as member names ({@code user#device}). */
    public static Set<String> names(List<Party> parties) {
        return parties.stream().map(Party::toString).collect(Collectors.toSet());
    }

    /** Waits until the parties, and only they, are the group's members in {@code epoch} and agree on it. */
    public static void await(List<Party> parties, GroupId group, long epoch) {
        await(parties, group, epoch, names(parties));
    }

    /**
     * Waits (30 s at most) until every party is an active member of {@code group} and all agree on
     * its epoch, epoch authenticator and members, whatever the epoch.
     */
    public static void awaitAgreement(List<Party> parties, GroupId group) {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            List<GroupSnapshot> views = parties.stream()
                    .map(p -> p.client.group(group).handle((v, error) -> v).join()).toList();
            boolean ok = views.stream().allMatch(v -> v != null && v.active())
                    && views.stream().map(v -> v.epoch() + "/" + v.epochAuthenticator().hex() + "/"
                            + v.members().stream().map(DeviceId::toString).sorted().collect(Collectors.joining(",")))
                            .distinct().count() == 1;
            if (ok) {
                return;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("members did not converge: " + views);
            }
            pause();
        }
    }

    /**
     * Waits (30 s at most) until every party is an active member of {@code group} in {@code epoch},
     * with the same epoch authenticator and exactly {@code members} ({@code user#device}). A party
     * whose Welcome is still on its way has no view of the group yet: it is not converged.
     */
    public static void await(List<Party> parties, GroupId group, long epoch, Set<String> members) {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            List<GroupSnapshot> views = parties.stream()
                    .map(p -> p.client.group(group).handle((v, error) -> v).join()).toList();
            boolean ok = views.stream().allMatch(v -> v != null && v.active() && v.epoch() == epoch
                    && v.members().stream().map(DeviceId::toString).collect(Collectors.toSet()).equals(members))
                    && views.stream().map(v -> v.epochAuthenticator().hex()).distinct().count() == 1;
            if (ok) {
                return;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new AssertionError("members did not converge on epoch " + epoch + ": " + views);
            }
            pause();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
