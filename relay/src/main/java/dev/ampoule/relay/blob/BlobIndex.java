package dev.ampoule.relay.blob;

import dev.ampoule.relay.protocol.Bytes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The stored blobs' metadata, in memory: by id, and per group in the order they were stored, with
 * each group's total bytes (what its quota counts). Event-loop confined.
 */
final class BlobIndex {

    private final Map<Bytes, BlobMeta> byId = new HashMap<>();
    private final Map<Bytes, LinkedHashMap<Bytes, BlobMeta>> byGroup = new HashMap<>();
    private final Map<Bytes, Long> bytes = new HashMap<>();

    void add(BlobMeta m) {
        if (byId.put(m.blobId(), m) != null) {
            throw new IllegalStateException("blob stored twice");
        }
        byGroup.computeIfAbsent(m.groupId(), g -> new LinkedHashMap<>()).put(m.blobId(), m);
        bytes.merge(m.groupId(), m.size(), Long::sum);
    }

    Optional<BlobMeta> get(Bytes blobId) {
        return Optional.ofNullable(byId.get(blobId));
    }

    void remove(BlobMeta m) {
        if (byId.remove(m.blobId()) == null) {
            return;
        }
        LinkedHashMap<Bytes, BlobMeta> g = byGroup.get(m.groupId());
        g.remove(m.blobId());
        if (g.isEmpty()) {
            byGroup.remove(m.groupId());
        }
        bytes.computeIfPresent(m.groupId(), (k, v) -> v - m.size() <= 0 ? null : v - m.size());
    }

    /** The bytes stored for a group. */
    long bytes(Bytes groupId) {
        return bytes.getOrDefault(groupId, 0L);
    }

    /** A group's blobs, in the order they were stored. */
    List<BlobMeta> ofGroup(Bytes groupId) {
        LinkedHashMap<Bytes, BlobMeta> g = byGroup.get(groupId);
        return g == null ? List.of() : new ArrayList<>(g.values());
    }

    /** The groups that have blobs. */
    List<Bytes> groups() {
        return new ArrayList<>(byGroup.keySet());
    }

    int size() {
        return byId.size();
    }
}
