package dev.ampoule.relay.ds;

import dev.ampoule.mls.crypto.SignaturePublicKey;
import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.store.StoreRecord;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * The signature keys each device registered over its own authenticated connection: a device
 * registers a key by publishing a KeyPackage whose leaf carries it (the KeyPackage's signature
 * proves possession, RFC 9420 §10.1). The relay binds keys to devices with it: a leaf of a
 * care-team group enters or changes only with a key its device registered ({@link CareTeamPolicy}).
 *
 * <p>Bounded: each device keeps its {@link #MAX_KEYS_PER_DEVICE} most recently registered keys
 * (a device normally has one). Rebuilt from {@link StoreRecord.SignatureKeyRegistered} records,
 * which a checkpoint keeps ({@link #liveRecords}); a user's keys go with the user's erasure.
 * Event-loop confined.
 */
final class SignatureKeyRegistry {

    /** How many keys a device keeps registered; registering one more forgets its oldest. */
    static final int MAX_KEYS_PER_DEVICE = 16;

    private final Map<DeviceId, LinkedHashSet<Bytes>> keys = new HashMap<>();
    /** How many devices of each user registered a key. */
    private final Map<String, Integer> devicesPerUser = new HashMap<>();

    /** Whether the device registered any key. */
    boolean knows(DeviceId device) {
        return keys.containsKey(device);
    }

    /** How many devices of the user registered a key. */
    int devices(String userId) {
        return devicesPerUser.getOrDefault(userId, 0);
    }

    /** Whether the device registered this key. */
    boolean registered(DeviceId device, SignaturePublicKey key) {
        LinkedHashSet<Bytes> set = keys.get(device);
        return set != null && set.contains(Bytes.wrap(key.bytes()));
    }

    /** Whether registering this key would change anything (the caller then makes it durable). */
    boolean isNew(DeviceId device, Bytes key) {
        LinkedHashSet<Bytes> set = keys.get(device);
        return set == null || !set.contains(key);
    }

    /** Applies a registration (published or replayed); forgets the device's oldest key beyond the bound. */
    void register(DeviceId device, Bytes key) {
        LinkedHashSet<Bytes> set = keys.computeIfAbsent(device, d -> {
            devicesPerUser.merge(d.userId(), 1, Integer::sum);
            return new LinkedHashSet<>();
        });
        if (!set.add(key)) {
            return;
        }
        Iterator<Bytes> it = set.iterator();
        while (set.size() > MAX_KEYS_PER_DEVICE) {
            it.next();
            it.remove();
        }
    }

    /** Forgets every key of the user's devices (erasure). */
    void removeUser(String userId) {
        keys.keySet().removeIf(d -> d.userId().equals(userId));
        devicesPerUser.remove(userId);
    }

    /** The records that recreate the registry, oldest key of each device first (for a checkpoint). */
    List<StoreRecord> liveRecords() {
        List<StoreRecord> out = new ArrayList<>();
        keys.forEach((device, set) -> set.forEach(k -> out.add(new StoreRecord.SignatureKeyRegistered(device, k))));
        return out;
    }
}
