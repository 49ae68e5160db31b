package dev.ampoule.relay.admin;

import dev.ampoule.relay.roster.RosterListener;
import dev.ampoule.relay.roster.Team;
import dev.ampoule.relay.roster.TeamMember;
import io.vertx.core.Future;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A {@link RosterListener} that writes down each call ({@code "added t u role new"}, {@code
 * "removed t u"}, {@code "archived t"}, {@code "erased u"}), runs {@link #onCall} first, and fails
 * the calls whose line starts with {@link #failPrefix}.
 */
public final class RecordingListener implements RosterListener {

    public final List<String> calls = new CopyOnWriteArrayList<>();
    public volatile Consumer<String> onCall = call -> { };
    public volatile String failPrefix;

    private Future<Void> note(String call) {
        onCall.accept(call);
        calls.add(call);
        if (failPrefix != null && call.startsWith(failPrefix)) {
            return Future.failedFuture(new IllegalStateException("listener failure (test)"));
        }
        return Future.succeededFuture();
    }

    @Override
    public Future<Void> memberAdded(Team team, TeamMember member, boolean newMember) {
        return note("added " + team.id() + " " + member.userId() + " " + member.role() + (newMember ? " new" : " changed"));
    }

    @Override
    public Future<Void> memberRemoved(Team team, String userId) {
        return note("removed " + team.id() + " " + userId);
    }

    @Override
    public Future<Void> teamArchived(Team team) {
        return note("archived " + team.id());
    }

    @Override
    public Future<Void> userErased(String userId) {
        return note("erased " + userId);
    }
}
