package dev.ampoule.relay.ds;

import dev.ampoule.relay.protocol.Bytes;
import dev.ampoule.relay.protocol.DeviceId;
import dev.ampoule.relay.store.StoreRecord;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * KeyPackages per device (RFC 9750 §5.1 duty 1): ordinary packages are handed out once each, in
 * publication order; a device's last-resort package (one per cipher suite) is handed out only
 * when no ordinary one is left, and kept. The in-memory state is rebuilt from store records.
 * Event-loop confined.
 */
public final class KeyPackageDirectory {

    /**
     * A stored KeyPackage, with its lifetime (RFC 9420 §7.2, epoch seconds, unsigned): it is handed
     * out only within it.
     */
    public record Stored(Bytes ref, int cipherSuite, Bytes keyPackage, boolean lastResort, long notBefore,
            long notAfter) {

        public boolean validAt(long epochSeconds) {
            return Long.compareUnsigned(notBefore, epochSeconds) <= 0 && Long.compareUnsigned(epochSeconds, notAfter) <= 0;
        }
    }

    private static final class Device {
        final LinkedHashMap<Bytes, Stored> ordinary = new LinkedHashMap<>();
        final Map<Integer, Stored> lastResort = new LinkedHashMap<>();
    }

    /** Devices by user, then device id (sorted for stable answers). */
    private final Map<String, TreeMap<String, Device>> users = new LinkedHashMap<>();

    private Device device(DeviceId id) {
        return users.computeIfAbsent(id.userId(), u -> new TreeMap<>()).computeIfAbsent(id.deviceId(), d -> new Device());
    }

    /** Applies a published or replayed KeyPackage. */
    public void add(DeviceId id, Stored kp) {
        Device d = device(id);
        if (kp.lastResort()) {
            d.lastResort.put(kp.cipherSuite(), kp);
        } else {
            d.ordinary.put(kp.ref(), kp);
        }
    }

    /** Applies a hand-out, or a withdrawal (which may take a last-resort package too). */
    public void take(DeviceId id, Bytes ref) {
        TreeMap<String, Device> devices = users.get(id.userId());
        if (devices != null && devices.containsKey(id.deviceId())) {
            Device d = devices.get(id.deviceId());
            if (d.ordinary.remove(ref) == null) {
                d.lastResort.values().removeIf(s -> s.ref().equals(ref));
            }
        }
    }

    /** The refs of every package the device holds, last-resort ones included (to withdraw them). */
    public List<Bytes> refs(DeviceId id) {
        TreeMap<String, Device> devices = users.get(id.userId());
        Device d = devices == null ? null : devices.get(id.deviceId());
        List<Bytes> out = new ArrayList<>();
        if (d != null) {
            out.addAll(d.ordinary.keySet());
            d.lastResort.values().forEach(s -> out.add(s.ref()));
        }
        return out;
    }

    /** Forgets every KeyPackage of the user's devices (erasure). */
    public void removeUser(String userId) {
        users.remove(userId);
    }

    /** Ordinary packages a device holds. */
    public int ordinaryCount(DeviceId id) {
        TreeMap<String, Device> devices = users.get(id.userId());
        Device d = devices == null ? null : devices.get(id.deviceId());
        return d == null ? 0 : d.ordinary.size();
    }

    /** Whether the device already holds this package. */
    public boolean holds(DeviceId id, Bytes ref) {
        TreeMap<String, Device> devices = users.get(id.userId());
        Device d = devices == null ? null : devices.get(id.deviceId());
        return d != null && (d.ordinary.containsKey(ref) || d.lastResort.values().stream().anyMatch(s -> s.ref().equals(ref)));
    }

    /** What a claim hands out for one device: a package, and whether it must be marked taken. */
    public record Claim(DeviceId device, Stored keyPackage) {
        public boolean consumes() {
            return !keyPackage.lastResort();
        }
    }

    /**
     * Chooses, for the named device or every device of the user, the package to hand out (the
     * oldest ordinary one of the suite valid at {@code nowSeconds}, else the last-resort one if
     * valid). Nothing changes until {@link #take} is applied.
     */
    public List<Claim> choose(String userId, Optional<String> deviceId, int cipherSuite, long nowSeconds) {
        List<Claim> out = new ArrayList<>();
        TreeMap<String, Device> devices = users.get(userId);
        if (devices == null) {
            return out;
        }
        for (Map.Entry<String, Device> e : devices.entrySet()) {
            if (deviceId.isPresent() && !deviceId.get().equals(e.getKey())) {
                continue;
            }
            DeviceId id = new DeviceId(userId, e.getKey());
            pick(e.getValue(), cipherSuite, nowSeconds).ifPresent(kp -> out.add(new Claim(id, kp)));
        }
        return out;
    }

    private static Optional<Stored> pick(Device d, int suite, long now) {
        for (Iterator<Stored> it = d.ordinary.values().iterator(); it.hasNext();) {
            Stored s = it.next();
            if (!s.validAt(now) && Long.compareUnsigned(s.notAfter(), now) < 0) {
                it.remove(); // expired: never handed out again (a checkpoint leaves it out)
                continue;
            }
            if ((suite == 0 || s.cipherSuite() == suite) && s.validAt(now)) {
                return Optional.of(s);
            }
        }
        return d.lastResort.values().stream()
                .filter(s -> (suite == 0 || s.cipherSuite() == suite) && s.validAt(now))
                .findFirst();
    }

    /** The records that recreate this directory (for a store checkpoint). */
    public List<StoreRecord> liveRecords() {
        List<StoreRecord> out = new ArrayList<>();
        users.forEach((user, devices) -> devices.forEach((dev, d) -> {
            DeviceId id = new DeviceId(user, dev);
            d.lastResort.values().forEach(s -> out.add(new StoreRecord.KeyPackageAdded(id, s.ref(), s.cipherSuite(),
                    s.keyPackage(), true)));
            d.ordinary.values().forEach(s -> out.add(new StoreRecord.KeyPackageAdded(id, s.ref(), s.cipherSuite(),
                    s.keyPackage(), false)));
        }));
        return out;
    }
}
